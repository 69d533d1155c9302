"""``python -m nianbao.cli``: the same commands as the ``nianbao`` script."""
from . import app

app()
