//! How an [`AppError`] reaches a browser: its status code and a page in both languages (the
//! request's language is not known here). A refused input (`Invalid`) shows its message and is
//! logged at `info`; 5xx causes are logged at `error`, never shown.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;

use super::response::html;
use super::views::layout;
use crate::domain::locale::Locale;
use crate::error::AppError;
use crate::i18n::{t, ProblemPage};

impl actix_web::ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Invalid(_) | AppError::Refused { .. } => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let page = problem_page(self);
        let refused = self.refusal(Locale::En);
        let detail = match self {
            AppError::Invalid(_) | AppError::Conflict(_) | AppError::Refused { .. } => {
                tracing::info!(reason = ?refused, "request refused");
                refused.as_deref()
            }
            AppError::Unexpected(_) => {
                tracing::error!(error = ?self, "request failed");
                None
            }
            AppError::NotFound => None,
        };
        let body = t(Locale::En, page.body_key());
        let detail = match detail {
            Some(d) => format!("{body} {d}"),
            None => body.to_owned(),
        };
        html(
            self.status_code(),
            layout::problem(Locale::Zh, page, Some(&detail)),
        )
    }
}

/// The page an error shows.
fn problem_page(e: &AppError) -> ProblemPage {
    match e {
        AppError::NotFound => ProblemPage::NotFound,
        AppError::Invalid(_) | AppError::Refused { .. } => ProblemPage::Bad,
        AppError::Conflict(_) => ProblemPage::Conflict,
        AppError::Unexpected(_) => ProblemPage::Error,
    }
}

#[cfg(test)]
mod tests {
    use actix_web::body::MessageBody;
    use actix_web::ResponseError;

    use super::*;

    fn page(e: &AppError) -> (u16, String) {
        let r = e.error_response();
        let status = r.status().as_u16();
        let bytes = r.into_body().try_into_bytes().expect("a complete body");
        (status, String::from_utf8(bytes.to_vec()).expect("utf-8"))
    }

    #[test]
    fn each_error_has_its_status_and_page() {
        let (s, body) = page(&AppError::NotFound);
        assert_eq!(s, 404);
        assert!(body.contains(t(Locale::Zh, "notfound.title")));
        let (s, body) = page(&AppError::Invalid("'x<y>' is not a level".into()));
        assert_eq!(s, 400);
        assert!(
            body.contains("&#39;x&lt;y&gt;&#39; is not a level")
                || body.contains("'x&lt;y&gt;' is not a level"),
            "the refusal's reason is shown, escaped: {body}"
        );
        let (s, body) = page(&AppError::Conflict("the review is not finalized".into()));
        assert_eq!(s, 409);
        assert!(body.contains("the review is not finalized"));
        let (s, body) = page(&AppError::Unexpected(anyhow::anyhow!("secret db detail")));
        assert_eq!(s, 500);
        assert!(!body.contains("secret db detail"), "causes are never shown");
    }
}
