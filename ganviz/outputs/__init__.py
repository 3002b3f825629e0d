"""What a run writes, shared by the command line and sweeps, Qt-free: figures (matplotlib pictures),
recording (GIF/MP4 of a run), rundir (a run's folder of files)."""
