import kluis.models  # noqa: F401
from kluis.db import DataBase
from kluis.migrations.env_common import run

run(DataBase.metadata)
