"""`ganviz sweep`: many runs of a preset, on this machine or on a Ray cluster.

    spec.py      what a sweep runs (grid, seeds, sampled settings, the metric) and its runs' names
    plan.py      the runs grouped into populations (runs trained in lockstep)
    results.py   results.csv: read, write, which runs are complete, the report (torch-free)
    summary.py   summary.png: the metric against each varied setting, seeds as spread
    search.py    --optimize: Optuna's TPE sampler asks for the next settings
    runner.py    the inputs checked, populations handed to a backend as workers come free, resuming
    backends.py  a worker's task (one population; its runs' files through outputs/rundir.py), and the
                 backends: this machine's cores (a process pool) or a Ray cluster
"""
