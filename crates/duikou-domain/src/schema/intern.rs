//! Interning of the descriptors a plan renders (its kinds, fields, option lists).
//!
//! Why leak: every table of the program (validation, import headers, forms, the engine's
//! field maps) borrows field keys and labels as `&'static str`, and a record kind is one
//! pointer that is cheap to copy and compare. A plan's schema is a few kilobytes, and a
//! descriptor equal to one already interned is shared, so a process that loads the same
//! plan again (a restart of the server's plan, a test) allocates nothing more: memory is
//! bounded by the number of *distinct* plans a process loads.

use std::collections::HashSet;
use std::sync::Mutex;

use super::{EnumOption, FieldDesc, KindDesc};

static STRINGS: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);
static OPTIONS: Mutex<Vec<&'static [EnumOption]>> = Mutex::new(Vec::new());
static FIELDS: Mutex<Vec<&'static [FieldDesc]>> = Mutex::new(Vec::new());
static KINDS: Mutex<Vec<&'static KindDesc>> = Mutex::new(Vec::new());

pub fn str(s: &str) -> &'static str {
    let mut guard = STRINGS.lock().unwrap_or_else(|p| p.into_inner());
    let set = guard.get_or_insert_with(HashSet::new);
    if let Some(found) = set.get(s) {
        return found;
    }
    let leaked: &'static str = Box::leak(s.to_string().into_boxed_str());
    set.insert(leaked);
    leaked
}

fn slice<T: PartialEq>(registry: &Mutex<Vec<&'static [T]>>, items: Vec<T>) -> &'static [T] {
    let mut known = registry.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(found) = known.iter().find(|k| **k == items.as_slice()) {
        return found;
    }
    let leaked: &'static [T] = Box::leak(items.into_boxed_slice());
    known.push(leaked);
    leaked
}

pub fn options(items: Vec<EnumOption>) -> &'static [EnumOption] {
    slice(&OPTIONS, items)
}

pub fn fields(items: Vec<FieldDesc>) -> &'static [FieldDesc] {
    slice(&FIELDS, items)
}

pub fn strs(items: Vec<&'static str>) -> &'static [&'static str] {
    static STRS: Mutex<Vec<&'static [&'static str]>> = Mutex::new(Vec::new());
    slice(&STRS, items)
}

pub fn pairs(items: Vec<(&'static str, &'static str)>) -> &'static [(&'static str, &'static str)] {
    static PAIRS: Mutex<Vec<&'static [(&'static str, &'static str)]>> = Mutex::new(Vec::new());
    slice(&PAIRS, items)
}

/// The one descriptor equal to `desc`: equal kinds are the same pointer.
pub fn kind(desc: KindDesc) -> &'static KindDesc {
    let mut known = KINDS.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(found) = known.iter().find(|k| ***k == desc) {
        return found;
    }
    let leaked: &'static KindDesc = Box::leak(Box::new(desc));
    known.push(leaked);
    leaked
}
