//! Personal ID numbers leave memory only encrypted, blind-indexed and masked.

use duikou_domain::crypto::SecretKey;
use duikou_domain::id_number::IdNumber;
use duikou_storage::records::ProtectedId;

pub fn protect(id: &IdNumber, key: &SecretKey) -> ProtectedId {
    ProtectedId {
        cipher: key.encrypt(id.as_str()),
        blind: key.blind_index(id.as_str()),
        masked: id.masked(),
    }
}
