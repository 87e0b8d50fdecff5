//! How an [`AppError`] reaches a browser: its status code and a page in both languages (the
//! request's language is not known here); 5xx causes are logged, never shown.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;

use super::rater_access::html;
use super::views::rater as view;
use crate::domain::locale::Locale;
use crate::error::AppError;

impl actix_web::ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Invalid(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let key = match self {
            AppError::NotFound => "notfound",
            AppError::Invalid(_) => "bad",
            AppError::Conflict(_) => "conflict",
            AppError::Unexpected(_) => {
                tracing::error!(error = ?self, "request failed");
                "error"
            }
        };
        html(
            status,
            view::problem(
                Locale::Zh,
                key,
                Some(crate::i18n::t(Locale::En, &format!("{key}.body"))),
            ),
        )
    }
}
