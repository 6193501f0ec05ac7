//! Account calls: registration, login, tokens, the account itself.

use serde_json::Value;
use taskcore::routes::{self, LOGIN, LOGOUT, ME, PASSWORD, REFRESH, REGISTER};
use taskcore::{
    AccountDelete, PasswordChangeRequest, RefreshRequest, Token, User, UserCreate, UserUpdate,
};

use super::connection::{Client, Fetched};
use super::error::ClientError;

impl Client {
    /// `GET /health` (at the root): is the server there and its database answering?
    pub fn health(&self) -> Result<Value, ClientError> {
        let response = self.send(self.http.get(format!(
            "{}{}",
            self.server,
            routes::HEALTH.path
        )))?;
        Ok(self.read::<Value>(response)?.value)
    }

    /// `POST /auth/register`.
    pub fn register(
        &self,
        email: &str,
        password: &str,
        timezone: Option<&str>,
        invite: Option<&str>,
    ) -> Result<Fetched<User>, ClientError> {
        let body = UserCreate {
            email: email.to_owned(),
            password: password.to_owned(),
            timezone: timezone.map(str::to_owned),
            invite: invite.map(str::to_owned),
        };
        let response = self.send(self.http.post(self.url(REGISTER.path)).json(&body))?;
        self.read(response)
    }

    /// `POST /auth/login` with the OAuth2 password form.
    pub fn login(&self, email: &str, password: &str) -> Result<Token, ClientError> {
        let form = [
            ("grant_type", "password"),
            ("username", email),
            ("password", password),
        ];
        let response = self.send(self.http.post(self.url(LOGIN.path)).form(&form))?;
        Ok(self.read::<Token>(response)?.value)
    }

    /// `POST /auth/refresh`: spends `refresh_token` for a new access token
    /// and the next refresh token.
    pub fn refresh(&self, refresh_token: &str) -> Result<Token, ClientError> {
        let body = RefreshRequest {
            refresh_token: refresh_token.to_owned(),
        };
        // Anonymous: the access token may be the expired one being replaced.
        let request = self.http.post(self.url(REFRESH.path)).json(&body);
        let response = request.send().map_err(|error| self.unreachable(&error))?;
        if !response.status().is_success() {
            return Err(self.refusal(response));
        }
        Ok(self.read::<Token>(response)?.value)
    }

    /// `POST /auth/logout`: ends this token's session on the server.
    pub fn logout(&self) -> Result<(), ClientError> {
        self.send(self.http.post(self.url(LOGOUT.path)))?;
        Ok(())
    }

    /// `POST /auth/password`: every other session of the account ends.
    pub fn change_password(
        &self,
        current_password: &str,
        new_password: &str,
    ) -> Result<(), ClientError> {
        let body = PasswordChangeRequest {
            current_password: current_password.to_owned(),
            new_password: new_password.to_owned(),
        };
        self.send(self.http.post(self.url(PASSWORD.path)).json(&body))?;
        Ok(())
    }

    /// `DELETE /auth/me`: deletes the account and all its tasks.
    pub fn delete_account(&self, password: &str) -> Result<(), ClientError> {
        let body = AccountDelete {
            password: password.to_owned(),
        };
        self.send(self.http.delete(self.url(ME.path)).json(&body))?;
        Ok(())
    }

    /// `GET /auth/me`.
    pub fn me(&self) -> Result<Fetched<User>, ClientError> {
        let response = self.send(self.http.get(self.url(ME.path)))?;
        self.read(response)
    }

    /// `PATCH /auth/me`.
    pub fn update_me(&self, update: &UserUpdate) -> Result<Fetched<User>, ClientError> {
        let response = self.send(self.http.patch(self.url(ME.path)).json(update))?;
        self.read(response)
    }
}
