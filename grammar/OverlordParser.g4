// OverlordParser.g4 - the overlord deployment language (.ovl), docs/LangRef.md.
// Tokens are in OverlordLexer.g4.
//
// Generated at build time by Debian's `antlr4` tool (4.7.2 output, 4.9
// runtime; grammar/CMakeLists.txt). Generated code is never committed and
// ANTLR types never leave compiler/lib/Dsl. Every rule carries an example.
//
// Whitespace and newlines are insignificant except inside strings and block
// text lines. Identifiers may contain '-' (as in HCL), so `a-b` is one name
// and subtraction is written `a - b`.
parser grammar OverlordParser;

options { tokenVocab = OverlordLexer; }


// A module or deployment file: statements, then at most one deployment.
//   import "std/skydns" as skydns
//   let dc = {main: {entrypoint: env("ENTRYPOINT")}}
//   deploy directorProject { datacenters: dc, projectName: "web" }
file : stmt* deployment? EOF ;

// One top-level declaration.
//   let labels = ["web"]
stmt : importStmt | envFileStmt | letStmt | fnDecl ;

// A module, bound to a name: `import "std/lb" as lb`, `import "./common.ovl" as common`
importStmt : IMPORT str AS IDENT ;

// An env file read into the environment `env()` sees: `env_file "hello.env"`
envFileStmt : ENV_FILE str ;

// A binding, with an optional type: `let port: int = 8080`
letStmt : LET IDENT (COLON typeRef)? ASSIGN expr ;

// A function with typed parameters and defaults:
//   fn member(name: string, ip: string, port: int = 2380): string = "#{name}=http://#{ip}:#{port}"
fnDecl : FN IDENT LPAREN (param (COMMA param)* COMMA?)? RPAREN (COLON typeRef)? ASSIGN expr ;

// A parameter: `ip: string`, `port: int = 2380`, `extra = {}`
param : IDENT (COLON typeRef)? (ASSIGN expr)? ;

// A type: `string`, `int`, `size`, `list<string>`, `map<string>`, `any`
typeRef : IDENT (LT typeRef GT)? ;

// The deployment the file compiles to, a map: `deploy metadata { metadata: {...} }`,
// `deploy vmJail vm.profile(name = "vmtest", cpu = "2")`
deployment : DEPLOY IDENT? expr ;

// Expressions, from the tightest binding to the loosest.
expr
  : primary                                                   #primaryExpr
  // Member of a map or module: `dc.main`, `lb.backend`
  | expr DOT key                                              #memberExpr
  // Index into a list or map: `hosts[0]`, `env_of["r2"]`
  | expr LBRACK expr RBRACK                                   #indexExpr
  // Call, positional then named arguments: `member("etcd0", ip, port = 2380)`
  | expr LPAREN (arg (COMMA arg)* COMMA?)? RPAREN             #callExpr
  // Negation: `-1`, `not enabled`
  | op=(MINUS | NOT) expr                                     #unaryExpr
  // `n * 2`, `total / 3`, `i % 2`
  | expr op=(STAR | SLASH | PERCENT) expr                     #mulExpr
  // Numbers add, strings and lists concatenate, maps merge: `base + {cpu: "2"}`
  | expr op=(PLUS | MINUS) expr                               #addExpr
  // `replicas >= 2`
  | expr op=(LT | LE | GT | GE) expr                          #relExpr
  // `kind == "vm"`
  | expr op=(EQ | NE) expr                                    #eqExpr
  // `a and b`
  | expr AND expr                                             #andExpr
  // `a or b`
  | expr OR expr                                              #orExpr
  // Conditional: `if zfs then "zfs" else "ufs"`
  | IF expr THEN expr ELSE expr                               #ifExpr
  // Local binding: `let ip = hosts[0] in "http://#{ip}:2379"`
  | LET IDENT (COLON typeRef)? ASSIGN expr IN expr            #letExpr
  ;

// A call argument: `"etcd0"` or `port = 2380`
arg : (IDENT ASSIGN)? expr ;

primary
  : INT                       #intLit      // 8080
  | FLOAT                     #floatLit    // 14.2
  | SIZE                      #sizeLit     // 10G, 512k
  | DURATION                  #durationLit // 30s, 5min, 2h, 1d
  | (TRUE_LIT | FALSE_LIT)            #boolLit     // true
  | NULL_LIT                      #nullLit     // null
  | str                       #strLit      // "http://#{ip}:2379"
  | BLOCK_LINE+               #blockLit    // | options:
  | IDENT                     #nameRef     // hosts
  | LPAREN expr RPAREN        #parenExpr   // (a + b)
  | listLit                   #listExpr    // ["a", "b"]
  | mapLit                    #mapExpr     // {cpu: "2"}
  | LBRACK FOR IDENT (COMMA IDENT)? IN expr COLON expr (IF expr)? RBRACK
                              #listComp    // [for h in hosts : h.name if h.voter]
  | LBRACE FOR IDENT (COMMA IDENT)? IN expr COLON expr FATARROW expr (IF expr)? RBRACE
                              #mapComp     // {for h in hosts : h.label => {NAME: h.name}}
  ;

// A list, commas between items, a trailing comma allowed: `["a", "b",]`
listLit : LBRACK (expr (COMMA expr)* COMMA?)? RBRACK ;

// A map; entries keep the order written, commas between them are optional:
//   { projectName: "web", "resolv.conf": text }
mapLit : LBRACE (entry COMMA?)* RBRACE ;

// One map entry: `cpu: "2"`, `"resolv.conf": text`
entry : key COLON expr ;

// A map key: a name (`start-environment`), a keyword used as a name, or a string
key : IDENT | str | keyword ;

// Keywords may be used as map keys and member names: `{in: 1}`, `x.if`
keyword : IMPORT | AS | LET | FN | DEPLOY | IF | THEN | ELSE | FOR | IN | AND | OR | NOT
        | TRUE_LIT | FALSE_LIT | NULL_LIT | ENV_FILE ;

// A string with escapes (\n \t \r \" \\ \#) and interpolation: `"#{name}=http://#{ip}:2380"`.
// A string cut by the end of the line (STR_NL) parses on, so that the rest of
// the file is checked; the front end reports it as unterminated.
str : DQUOTE strPart* (STR_END | STR_NL) ;

// A piece of a string: text, a lone '#', or an interpolation `#{expr}`
strPart : STR_TEXT | STR_HASH | STR_INTERP expr RBRACE ;
