"""Qt-free engine: data, models, losses, Algorithm 1, metrics, snapshots, checkpoints."""
