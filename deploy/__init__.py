"""The scaled topology as local processes: the smoke run, fault drills and load figures."""
