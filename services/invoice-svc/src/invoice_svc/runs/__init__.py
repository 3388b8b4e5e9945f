"""Invoice runs: background jobs that bill due periods in set-based batches."""
