"""The component registry: one small class per IdentitySync component type, grouped by family.

| module      | components                                                                 |
|-------------|----------------------------------------------------------------------------|
| gigya.py    | datasource.read.gigya.account/.audit, datasource.lookup.gigya.account,      |
|             | datasource.write.gigya.importaccount/.account                              |
| fields.py   | field.rename/.remove/.add/.replace/.flatten/.array.extract/.evaluate       |
| script.py   | record.evaluate (JavaScript in V8 through mini-racer)                       |
| files.py    | file.parse.dsv/.json, file.format.dsv/.json, file.empty, file.(un)compress.gzip,|
|             | datasource.read.file / datasource.write.file (gigya-migrate's local folder) |
| remote.py   | datasource.read/write.sftp, datasource.read/write.amazon.s3                 |
| http.py     | datasource.write.external.generic                                          |
"""

from gigya_migrate.dataflow.components.base import (COMPONENTS, FILES, NOTHING, RECORDS, Component, DataFile,
                                                    Failure, Output, Param, ParamError, register)
from gigya_migrate.dataflow.components import fields, files, gigya, http, remote, script  # noqa: F401 (register)

__all__ = ["COMPONENTS", "FILES", "NOTHING", "RECORDS", "Component", "DataFile", "Failure", "Output", "Param",
           "ParamError", "register"]
