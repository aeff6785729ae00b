"""An error line names what Gigya refused: errorDetails and each validationErrors field."""

import json

from gigya_migrate.errors import error_from_response
from gigya_migrate.flows.runner import RunOptions, run


def test_error_output_carries_details_and_validation_fields(tmp_path):
    refused = error_from_response("accounts.importFullAccount", {
        "errorCode": 400006, "errorMessage": "Invalid parameter value", "statusCode": 400, "callId": "c1",
        "errorDetails": "Schema validation failed: data.shoeSize not in the site schema",
        "validationErrors": [{"errorCode": 400006, "message": "Schema validation failed", "fieldName": "data.shoeSize"}],
    })

    def write(record):
        raise refused

    errors = tmp_path / "errors.jsonl"
    report = run([{"id": "1"}], name="import", key=lambda r: r["id"], write=write,
                 options=RunOptions(errors_path=errors, progress=False))
    assert report.failed == 1
    line = json.loads(errors.read_text().splitlines()[0])
    assert line["errorCode"] == 400006
    assert line["errorMessage"] == ("Invalid parameter value; Schema validation failed: data.shoeSize not in the site "
                                    "schema; data.shoeSize: Schema validation failed")
