"""Instructor side: nbgrader assignments, grading saved responses without running notebooks,
feedback and item statistics. Nothing on a member's side imports this package."""
