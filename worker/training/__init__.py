"""The training and model-testing jobs: load an impulse's features, call worker.learning, store
the trained model, its metrics and its files (artifacts) in the database."""
