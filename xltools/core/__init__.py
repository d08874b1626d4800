"""Pure routines: DataFrames in, results out. Nothing here opens a file or talks to Excel."""
