"""Numerical core of the learning system: training, scoring, explanations and profiles.

Plain functions on DataFrames and arrays, with no database, web or session inside; the
service layer calls them from background jobs.
"""
