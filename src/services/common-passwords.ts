// The most common passwords of at least 8 characters, from public breach-frequency lists (Django's
// CommonPasswordValidator ships a longer list of the same kind). Shorter ones fail the length rule anyway.
// Compared lower-cased, as Django does.
export const COMMON_PASSWORDS: ReadonlySet<string> = new Set(
  `
12345678 123456789 1234567890 12345678910 123123123 11111111 111111111 1111111111 00000000 000000000
87654321 987654321 0987654321 11223344 12341234 123321123 1q2w3e4r 1q2w3e4r5t 1q2w3e4r5t6y 1qaz2wsx
1qazxsw2 zaq12wsx zaq1zaq1 qwertyui qwertyuiop qwerty123 qwerty12 qwerty1234 asdfghjk asdfghjkl
zxcvbnm1 zxcvbnm123 password password1 password12 password123 password1234 passw0rd p@ssw0rd p@ssword
pa55word pass1234 password! password01 passwort motdepasse contraseña iloveyou iloveyou1 iloveyou2
princess princess1 sunshine sunshine1 football football1 baseball baseball1 basketball superman
batman123 trustno1 welcome1 welcome123 welcome! letmein1 letmein123 starwars starwars1 whatever
whatever1 computer computer1 internet michelle jennifer jordan23 liverpool chelsea1 arsenal1
mercedes butterfly chocolate cookie123 monkey123 dragon123 shadow123 master123 michael1 charlie1
jessica1 samantha victoria hannah123 babygirl babygirl1 lovely123 loveyou1 mustang1 ferrari1
corvette harley123 yankees1 cowboys1 steelers eagles123 dolphins abcd1234 abc12345 abcdefgh
abcdefg1 a1b2c3d4 aa123456 asdf1234 asd12345 qazwsx123 qweasdzxc 1qaz2wsx3edc 123qweasd
q1w2e3r4 q1w2e3r4t5 zxcvbnm, 12qwaszx 123456789a 123456789q a123456789 qwe12345 qwer1234
changeme changeme1 default1 admin123 admin1234 administrator secret123 test1234 testing123
guest123 root1234 access14 matrix123 killer123 soccer123 hockey123 tennis123 summer2024 summer2025
summer2026 winter2024 winter2025 winter2026 spring2025 autumn2025 january1 december1 1234abcd
12345qwert 123abc123 987654321a 55555555 66666666 77777777 88888888 99999999 12121212 13131313
69696969 10203040 147258369 159753123 159357456 741852963 789456123 789456789 123654789 147852369
iloveyou! fuckyou1 loveme123 family123 friends1 forever1 freedom1 heaven123 angel123 blessed1
jesus123 christ123 myspace1 facebook google123 linkedin twitter1 instagram youtube1 minecraft
pokemon1 naruto123 nintendo playstation xbox360 spiderman ironman1 pussycat snoopy123 tigger12
hello123 hello1234 helloworld goodluck1 happy123 smile123 sweet123 qwertyuiop123 asdfasdf
zxczxczx qweqweqwe 1234qwer qwerasdf password2 password3 iloveyou123 trustno12 something
anything nopassword letmein! superman1 batman12 unknown1 bismillah 1234567a 1234567q 123456abc
`
    .split(/\s+/)
    .filter(Boolean),
);
