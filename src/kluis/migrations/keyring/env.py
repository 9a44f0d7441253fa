import kluis.models  # noqa: F401
from kluis.db import KeyringBase
from kluis.migrations.env_common import run

run(KeyringBase.metadata)
