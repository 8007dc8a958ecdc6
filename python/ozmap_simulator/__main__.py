from .cli import command

command(prog_name="python -m ozmap_simulator")
