//! Keys (in progress).
