"""The SQLite store (people, sessions, attempts and results) and what is computed from it."""
