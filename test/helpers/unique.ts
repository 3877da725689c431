let counter = 0;
/** A name no other test uses (storage is shared by the tests of one file). */
export const unique = (prefix = "user") =>
  `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

/** A client address of its own, so one test's anonymous throttling never touches another's. */
export const randomIp = () =>
  `10.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 254) + 1}`;
