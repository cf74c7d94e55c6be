// OverlordLexer.g4 - tokens of the overlord deployment language (.ovl).
//
// A lexer grammar of its own because strings use a lexical mode: `"` enters
// STR, `#{` re-enters the default mode for an interpolated expression, and
// every `{` pushes the default mode so that the matching `}` pops back to
// wherever it was opened. See OverlordParser.g4 and docs/LangRef.md.

lexer grammar OverlordLexer;

@members {
  /// `}` closes a map or an interpolation `#{...}`; on an unbalanced `}` the
  /// mode stack is empty and the token is left for the parser to report.
  void closeBrace() {
    if (!modeStack.empty())
      popMode();
  }
}

// Keywords: `import "std/lb" as lb`, `let x = 1 in x`, `deploy readOnly {}`,
// `if a and not b then 1 else 2`, `[for h in hosts: h]`, `true`, `null`,
// `env_file "x.env"`.
IMPORT   : 'import' ;
AS       : 'as' ;
LET      : 'let' ;
FN       : 'fn' ;
DEPLOY   : 'deploy' ;
IF       : 'if' ;
THEN     : 'then' ;
ELSE     : 'else' ;
FOR      : 'for' ;
IN       : 'in' ;
AND      : 'and' ;
OR       : 'or' ;
NOT      : 'not' ;
TRUE_LIT     : 'true' ;
FALSE_LIT    : 'false' ;
NULL_LIT     : 'null' ;
ENV_FILE : 'env_file' ;

// Operators and punctuation: `{for k, v in m: k => v}`, `a == b`, `n >= 2`,
// `x = 1`, `a + b * c % d`, `lb.labels(...)`, `[a, b]`, `{ k: v }`.
FATARROW : '=>' ;
EQ       : '==' ;
NE       : '!=' ;
LE       : '<=' ;
GE       : '>=' ;
LT       : '<' ;
GT       : '>' ;
ASSIGN   : '=' ;
PLUS     : '+' ;
MINUS    : '-' ;
STAR     : '*' ;
SLASH    : '/' ;
PERCENT  : '%' ;
DOT      : '.' ;
COMMA    : ',' ;
COLON    : ':' ;
LPAREN   : '(' ;
RPAREN   : ')' ;
LBRACK   : '[' ;
RBRACK   : ']' ;
// `{` opens a map or an interpolation's braces; `}` returns to the mode
// it was opened in (a string after `#{...}`).
LBRACE   : '{' -> pushMode(DEFAULT_MODE) ;
RBRACE   : '}' { closeBrace(); } ;
// `"` starts a string: `"http://#{ip}:2379"`
DQUOTE   : '"' -> pushMode(STR) ;

// 30s, 5min, 2h, 1d: integer seconds
DURATION : DIGIT+ ('s' | 'min' | 'h' | 'd') ;
// 512k, 1m, 10G, 2T: kept as written (FreeBSD size syntax)
SIZE     : DIGIT+ [kKmMgGtTpP] ;
// 14.2
FLOAT    : DIGIT+ '.' DIGIT+ ;
// 8080
INT      : DIGIT+ ;
// hosts, start-environment, network0_type
IDENT    : [a-zA-Z_] [a-zA-Z0-9_-]* ;

// `| text`: one line of block text, up to the end of the line
BLOCK_LINE : '|' ~[\r\n]* ;

// Comments, kept on a hidden channel for fmt: `# note`, `// note`, `/* note */`
LINE_COMMENT  : ('#' | '//') ~[\r\n]* -> channel(HIDDEN) ;
BLOCK_COMMENT : '/*' .*? '*/' -> channel(HIDDEN) ;
// Skipped, not hidden: fmt reads line breaks from the gaps between tokens,
// and a large file has fewer tokens to keep.
WS            : [ \t\r\n]+ -> skip ;
// Anything else is one bad character, reported by the parser.
BAD_CHAR      : . ;

fragment DIGIT : [0-9] ;

// Inside a string: text with escapes (`a \"b\"`), `#{` opening an
// interpolated expression, a lone `#` (`"#1"`), the closing `"`.
mode STR;
STR_TEXT   : (~["\\#\r\n] | '\\' ~[\r\n])+ ;
STR_INTERP : '#{' -> pushMode(DEFAULT_MODE) ;
STR_HASH   : '#' ;
STR_END    : '"' -> popMode ;
// A newline before the closing quote: the string ends here, unterminated.
STR_NL     : [\r\n] -> popMode ;
