//! Writing many rows at once: new rows of the sequential pipelines with binary `COPY FROM`
//! (no parameters, no conflicts possible), idempotent rows of the concurrent pipelines with
//! multi-row `INSERT ... ON CONFLICT DO NOTHING` cut to stay under Postgres's limit of 32,767
//! bind parameters per statement (`COPY` cannot skip conflicts).

/// Postgres's limit of bind parameters in one statement.
pub const MAX_BIND_PARAMETERS: usize = 32_767;

/// A row type with its number of columns (bind parameters per row).
pub trait Columns {
    /// Columns per row.
    const COLUMNS: usize;
}

/// How many rows of `R` fit in one statement.
pub const fn rows_per_statement<R: Columns>() -> usize {
    MAX_BIND_PARAMETERS / R::COLUMNS
}

/// Inserts `$rows` (a `Vec` of `Insertable` rows) into `$table` and evaluates to the rows
/// written: with one `COPY`, or with `ignore_existing` in as few multi-row `INSERT`s as the
/// bind limit allows ([`Columns`] rows), skipping rows already there (`ON CONFLICT DO
/// NOTHING`, for the idempotent pipelines).
macro_rules! insert_rows {
    ($connection:expr, $table:path, $rows:expr) => {{
        use diesel::ExecuteCopyFromDsl as _;
        let rows = &$rows;
        if rows.is_empty() {
            0
        } else {
            diesel::copy_from($table)
                .from_insertable(rows)
                .execute($connection)?
        }
    }};
    ($connection:expr, $table:path, $rows:expr, ignore_existing) => {{
        use diesel::RunQueryDsl as _;
        let rows = &$rows;
        let mut written = 0usize;
        for chunk in rows.chunks($crate::sql::chunk_len(rows)) {
            written += diesel::insert_into($table)
                .values(chunk)
                .on_conflict_do_nothing()
                .execute($connection)?;
        }
        written
    }};
}
pub(crate) use insert_rows;

/// The statement size for a slice of rows (the bind limit over its columns).
pub fn chunk_len<R: Columns>(_rows: &[R]) -> usize {
    rows_per_statement::<R>()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Wide;
    impl Columns for Wide {
        const COLUMNS: usize = 14;
    }

    #[test]
    fn statements_stay_under_the_bind_limit() {
        let rows = rows_per_statement::<Wide>();
        assert!(rows * 14 <= MAX_BIND_PARAMETERS);
        assert!((rows + 1) * 14 > MAX_BIND_PARAMETERS);
    }
}
