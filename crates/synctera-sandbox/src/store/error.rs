//! What the store refuses, in its own words; `http/` answers each as a problem report.

/// Why the store could not do what it was asked.
#[derive(Clone, Copy, Debug, thiserror::Error, PartialEq, Eq)]
pub enum StoreError {
    /// The page token is not one this sandbox sealed (or not one of a listing at all).
    #[error("page_token is not a token this listing issued")]
    ForeignPageToken,
    /// The page token was sealed before the tenant was wiped.
    #[error("page_token was issued before this tenant was wiped")]
    PageTokenBeforeWipe,
    /// The page token belongs to another sort order of the same listing.
    #[error("page_token does not belong to this sort order")]
    PageTokenOfOtherOrder,
    /// The page token belongs to a listing of another kind of record.
    #[error("page_token does not belong to this listing")]
    PageTokenOfOtherListing,
    /// A commit to the state database failed, this one or an earlier one. Memory then holds
    /// writes the file lacks, and later writes may build on them, so nothing more is committed
    /// or served until a restart reloads the file.
    #[error(
        "the state database failed to commit; restart the sandbox, which reloads the last \
         committed state"
    )]
    CommitFailed,
    /// The state database is closed: the sandbox is shutting down.
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    #[error("the sandbox is shutting down; the request was not processed")]
    Closed,
}
