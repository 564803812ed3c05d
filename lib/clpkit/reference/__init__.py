"""Reference data of the Maintenance Guide turned into tools: ports, host checks, statistics budget."""
