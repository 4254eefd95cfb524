"""``python -m envtag_train``: the envtag CLI with the training commands, for a
checkout used in place (``PYTHONPATH=inference:training``), as on a bare GPU
machine (training/gpu/lease.sh), where no package is installed and so
no entry point adds them."""

from envtag.cli import app
from envtag_train.cli import app as training_app
from envtag_train.cli import register

if not any(info in app.registered_commands for info in training_app.registered_commands):
    register(app)
app(prog_name="envtag")
