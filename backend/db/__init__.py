"""Database: declarative base, engine and sessions, typed models."""
