"""The compiler (TFLite int8 -> plain C++), packagers, board profiles and estimates."""
