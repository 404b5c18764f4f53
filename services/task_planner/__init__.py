"""task-planner: goals, plans and the DAGs of tasks they decompose into."""
