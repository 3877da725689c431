/** The time as JWTs write it (`exp`, `iat`): whole seconds since the epoch, from the one clock tests freeze. */
export const nowSeconds = () => Math.floor(Date.now() / 1000);
