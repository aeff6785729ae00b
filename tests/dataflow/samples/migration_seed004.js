function process(record, ctx, logger, next) {
    // legacy hashes and salts are hex; Gigya wants base64
    var p = record.password;
    if (!p || !p.hashedPassword) {
        throw new Error('the record has no password hash');
    }
    p.hashedPassword = hexToBase64(p.hashedPassword);
    p.hashSettings.salt = hexToBase64(p.hashSettings.salt);
    record.loginIDs = {emails: [record.profile.email]};
    if (!record.UID) {
        record.UID = 'legacy-' + record.id;
    }
    delete record.id;
    return record;
}

function hexToBase64(hex) {
    var alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    if (!/^([0-9a-fA-F]{2})+$/.test(hex)) {
        throw new Error('not a hex string: ' + hex);
    }
    var bytes = [];
    for (var i = 0; i < hex.length; i += 2) {
        bytes.push(parseInt(hex.substr(i, 2), 16));
    }
    var out = '';
    for (var j = 0; j < bytes.length; j += 3) {
        var n = (bytes[j] << 16) | ((bytes[j + 1] || 0) << 8) | (bytes[j + 2] || 0);
        out += alphabet[(n >> 18) & 63] + alphabet[(n >> 12) & 63];
        out += j + 1 < bytes.length ? alphabet[(n >> 6) & 63] : '=';
        out += j + 2 < bytes.length ? alphabet[n & 63] : '=';
    }
    return out;
}
