//! Four eyes (四眼原则): a review is another person's judgement. Nobody approves, rejects
//! or reopens a record they created or whose content they last changed, a coordinator
//! included; a coordinator's own entries wait for another coordinator.

use crate::roles::Actor;

/// The refusal, in Chinese and English, when `actor` is the record's author.
pub fn check_reviewer(
    actor: &Actor,
    created_by: &str,
    edited_by: &str,
) -> Result<(), (String, String)> {
    if actor.username == created_by || actor.username == edited_by {
        return Err((
            "不能审核本人创建或最后修改的记录，须由另一位审核人处理".into(),
            "you cannot review a record you created or last changed; another reviewer must".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roles::Role;

    #[test]
    fn the_author_and_the_last_editor_may_not_review() {
        let a = Actor {
            username: "经协办".into(),
            role: Role::Coordinator,
            unit: None,
        };
        assert!(check_reviewer(&a, "经协办", "清溪镇").is_err());
        assert!(check_reviewer(&a, "清溪镇", "经协办").is_err());
        assert!(check_reviewer(&a, "清溪镇", "清溪镇").is_ok());
    }
}
