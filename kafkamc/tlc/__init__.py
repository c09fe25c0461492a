"""Running TLC: the JVM, the process, its output dialect, progress, the run cache,
distributed mode."""
