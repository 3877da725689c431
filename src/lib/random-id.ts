/** 32 lowercase hex characters (122 random bits), like Python's uuid4().hex: jtis, session ids, object keys. */
export const randomId = () => crypto.randomUUID().replaceAll("-", "");
