//! Access calls: how the server registers, the sessions a user sees, and
//! personal API tokens.

use taskcore::api_tokens::{ApiToken, CreatedApiToken, TokenCreate};
use taskcore::routes::{REGISTRATION, SESSION, SESSIONS, TOKEN, TOKENS};
use taskcore::wire::RegistrationInfo;
use taskcore::wire::SessionInfo;

use super::connection::{Client, Fetched};
use super::error::ClientError;

impl Client {
    /// `GET /auth/registration`: open, by invite, or closed.
    pub fn registration(&self) -> Result<RegistrationInfo, ClientError> {
        let response = self.send(self.http.get(self.url(REGISTRATION.path)))?;
        Ok(self.read::<RegistrationInfo>(response)?.value)
    }

    /// `GET /auth/sessions`: the account's live sessions.
    pub fn sessions(&self) -> Result<Fetched<Vec<SessionInfo>>, ClientError> {
        let response = self.send(self.http.get(self.url(SESSIONS.path)))?;
        self.read(response)
    }

    /// `DELETE /auth/sessions/{id}`: ends one session.
    pub fn end_session(&self, id: i64) -> Result<(), ClientError> {
        self.send(self.http.delete(self.url(&SESSION.with_id(id))))?;
        Ok(())
    }

    /// `DELETE /auth/sessions`: ends every session but this one.
    pub fn end_other_sessions(&self) -> Result<(), ClientError> {
        self.send(self.http.delete(self.url(SESSIONS.path)))?;
        Ok(())
    }

    /// `POST /auth/tokens`: a new API token, with its secret.
    pub fn create_token(
        &self,
        body: &TokenCreate,
    ) -> Result<Fetched<CreatedApiToken>, ClientError> {
        let response = self.send(self.http.post(self.url(TOKENS.path)).json(body))?;
        self.read(response)
    }

    /// `GET /auth/tokens`: the account's API tokens, without secrets.
    pub fn tokens(&self) -> Result<Fetched<Vec<ApiToken>>, ClientError> {
        let response = self.send(self.http.get(self.url(TOKENS.path)))?;
        self.read(response)
    }

    /// `DELETE /auth/tokens/{id}`: revokes a token.
    pub fn delete_token(&self, id: i64) -> Result<(), ClientError> {
        self.send(self.http.delete(self.url(&TOKEN.with_id(id))))?;
        Ok(())
    }
}
