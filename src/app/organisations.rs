//! The settings of an organisation: its privacy defaults.

use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use crate::app::managed_organisation;
use crate::auth::Caller;
use crate::db::accounts::{self, OrganisationRow, OrganisationSettings};
use crate::domain::privacy::check_retention_days;
use crate::domain::report::check_suppress_below;
use crate::error::{AppError, AppResult, FieldError};

/// Settings as a PATCH asks for them, before they are checked: `None` leaves one as it is,
/// `Some(None)` clears `report_suppress_below`.
#[derive(Debug, Default)]
pub struct SettingsChange {
    pub report_suppress_below: Option<Option<i64>>,
    pub retention_days: Option<i64>,
}

/// Checks every setting, reporting every bad one.
pub fn check(change: SettingsChange) -> Result<OrganisationSettings, Vec<FieldError>> {
    let mut errors = Vec::new();
    let report_suppress_below = match change.report_suppress_below {
        None => None,
        Some(value) => match check_suppress_below(value) {
            Ok(value) => Some(value.map(|n| n as i32)),
            Err(message) => {
                errors.push(FieldError::new("report_suppress_below", "out_of_range", message));
                None
            }
        },
    };
    let retention_days = match change.retention_days.map(check_retention_days) {
        None => None,
        Some(Ok(days)) => Some(days),
        Some(Err(message)) => {
            errors.push(FieldError::new("retention_days", "out_of_range", message));
            None
        }
    };
    if errors.is_empty() {
        Ok(OrganisationSettings { report_suppress_below, retention_days })
    } else {
        Err(errors)
    }
}

/// The organisation with its settings, for its organisers and admins.
pub async fn find(conn: &mut AsyncPgConnection, caller: &Caller, id: Uuid) -> AppResult<OrganisationRow> {
    managed_organisation(conn, caller, id).await
}

/// Changes the organisation's settings (its organisers, admins); a bad value changes nothing.
pub async fn change_settings(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    change: SettingsChange,
) -> AppResult<OrganisationRow> {
    managed_organisation(conn, caller, id).await?;
    let settings = check(change).map_err(AppError::validation)?;
    conn.transaction::<_, AppError, _>(async move |conn| {
        accounts::update_organisation_settings(conn, id, settings).await?.ok_or(AppError::NotFound)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_settings_pass_and_absent_ones_stay() {
        let settings =
            check(SettingsChange { report_suppress_below: Some(Some(5)), retention_days: Some(30) }).unwrap();
        assert_eq!(settings.report_suppress_below, Some(Some(5)));
        assert_eq!(settings.retention_days, Some(30));
        let cleared =
            check(SettingsChange { report_suppress_below: Some(None), retention_days: None }).unwrap();
        assert_eq!(cleared.report_suppress_below, Some(None), "null clears the threshold");
        assert_eq!(cleared.retention_days, None);
    }

    #[test]
    fn every_bad_setting_is_named() {
        let errors = check(SettingsChange { report_suppress_below: Some(Some(0)), retention_days: Some(0) })
            .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
        assert_eq!(fields, [("report_suppress_below", "out_of_range"), ("retention_days", "out_of_range")]);
        assert!(
            check(SettingsChange { report_suppress_below: Some(Some(1001)), ..Default::default() }).is_err()
        );
        assert!(check(SettingsChange { retention_days: Some(36_501), ..Default::default() }).is_err());
    }
}
