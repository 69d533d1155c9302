"""``python -m nianbao``: the same CLI as the ``nianbao`` command."""
from .cli import app

app()
