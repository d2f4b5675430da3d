//! Holds no code: the cases live in tests/ui.
