"""Console commands of skmmdl."""
