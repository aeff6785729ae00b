"""Magento 2 customer export ("Customers Main File" CSV): ``password_hash`` is ``hash:salt:version``
(0 md5, 1 sha256, 2/3 argon2id13; upgraded chains like ``0:1`` or ``1:2``). One md5 or sha256 pass
converts; chains and argon2 are imported without a password and named in the summary."""

from gigya_migrate.flows.presets import Preset

PRESET = Preset(
    name="magento2",
    title="Magento 2 (Adobe Commerce)",
    exports="System > Export > Customers Main File (CSV)",
    mapping={
        "login_id": "email",
        "email_verified": False,  # Magento does not record that an address was verified
        "strict_columns": False,
        "fields": {
            "firstname": "profile.firstName",
            "lastname": "profile.lastName",
            "middlename": "data.magento.middleName",
            "prefix": "data.magento.prefix",
            "dob": "data.dob",
            "gender": {"to": "profile.gender", "values": {"1": "m", "2": "f", "3": "u", "*": None}},
            "created_at": {"to": "created", "type": "date", "format": "%Y-%m-%d %H:%M:%S"},
            "_website": "data.magento.website",
            "_store": "data.magento.store",
            "group_id": "data.magento.groupId",
            "taxvat": "data.magento.taxvat",
        },
        "add": {"data.migratedFrom": "magento2"},
        "password": {"hash": "password_hash", "required": False},
    },
    advice={
        "unsupported scheme: magento2": "Some Magento hashes cannot be imported into Gigya (argon2, or upgraded "
                                        "chains that hash a hash; named in the summary): send those users "
                                        "password resets",
    },
)
