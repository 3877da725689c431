// The pages the API's mails link to (FRONTEND_URL/verify-email?key=… and /password-reset?uid=…&token=…),
// as the SPA's history-API routes. Each takes what its link carries into memory and at once removes it
// from the address bar — out of the history, and of any Referer (index.html also says no-referrer), as
// OWASP's Forgot Password cheat sheet asks.
import { client, post, session, tokenPairOf } from "./api";
import { report } from "./report";

/** The link's query parameters; the address bar keeps the path alone. */
function takeFromLink(...names: string[]) {
  const query = new URLSearchParams(location.search);
  history.replaceState(null, "", location.pathname);
  return names.map((name) => query.get(name) ?? "");
}

async function verifyEmail() {
  const [key = ""] = takeFromLink("key");
  const { data, error, response } = await post("/api/registration/verify-email/", { key });
  report(
    "verify-email",
    response.status === 200,
    `POST /api/registration/verify-email/ with the link's key → ${response.status} ${JSON.stringify(data ?? error)}`,
  );
}

/** The confirm logs nobody in (every session of the account ends): the new password then does, by email. */
async function resetPassword(uid: string, token: string, form: FormData) {
  const field = (name: string) => String(form.get(name) ?? "");
  const [email, new_password1, new_password2] = [field("email"), field("new_password1"), field("new_password2")];
  const confirmed = await post("/api/password/reset/confirm/", { uid, token, new_password1, new_password2 });
  const status = confirmed.response.status;
  report(
    "reset-password",
    status === 200,
    `POST /api/password/reset/confirm/ → ${status} ${JSON.stringify(confirmed.data ?? confirmed.error)}`,
  );
  if (status !== 200) return;
  const { data, response } = await post("/api/token/", { email, password: new_password1 });
  session.access = tokenPairOf(data)?.access ?? null;
  const me = await client.GET("/api/users/me/");
  report(
    "login-new-password",
    response.status === 200 && me.data?.email === email && me.data.email_verified,
    `POST /api/token/ with ${email} and the new password → ${response.status}; GET /api/users/me/ → ` +
      `${me.response.status} ${me.data?.username}, ${me.data?.email} verified: ${me.data?.email_verified}`,
  );
}

function passwordReset() {
  const [uid = "", token = ""] = takeFromLink("uid", "token");
  const form = document.getElementById("password-reset-form") as HTMLFormElement;
  form.hidden = false;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    resetPassword(uid, token, new FormData(form)).catch((error) => report("reset-password", false, String(error)));
  });
}

/** The SPA's pages that mailed links open, by path. */
export const linkPages: Record<string, () => void> = {
  "/verify-email": () => void verifyEmail().catch((error) => report("verify-email", false, String(error))),
  "/password-reset": passwordReset,
};
