"""The task-planner's calls to the AI runtime, behind protocols its core owns."""
