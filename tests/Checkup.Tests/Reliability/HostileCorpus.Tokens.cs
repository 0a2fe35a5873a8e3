using System.Text;
using Checkup.Tests.Auth;

namespace Checkup.Tests.Reliability;

/// <summary>Tokens that must not get anyone in: malformed, expired, unsigned, signed with another key, for someone else.</summary>
public sealed partial class HostileCorpus
{
    private void BadTokens(ServedEndpoint endpoint)
    {
        var flipped = Tokens.Valid(world.Owner);
        flipped = flipped[..^3] + (flipped[^3] == 'A' ? 'B' : 'A') + flipped[^2..];
        var tokens = new (string Name, string? Authorization)[]
        {
            ("no token", null),
            ("an empty bearer", "Bearer "),
            ("a token that is no JWT", "Bearer not-a-jwt"),
            ("three empty JWT parts", "Bearer .."),
            ("random base64url JWT parts", $"Bearer {RandomBase64Url(20)}.{RandomBase64Url(60)}.{RandomBase64Url(32)}"),
            ("an 8 KiB token", "Bearer " + new string('A', 8 * 1024)),
            ("an expired token", "Bearer " + Tokens.Expired(world.Owner)),
            ("an alg:none admin token", "Bearer " + Tokens.AlgNone(world.Owner, admin: true)),
            ("a token signed with another key", "Bearer " + Tokens.WrongKey(world.Owner)),
            ("a token for another audience", "Bearer " + Tokens.WrongAudience(world.Owner)),
            ("a token from another issuer", "Bearer " + Tokens.WrongIssuer(world.Owner)),
            ("a token with a tampered signature", "Bearer " + flipped),
            ("a token that is not valid yet", "Bearer " + NotYetValid()),
            ("basic credentials", "Basic " + Convert.ToBase64String(Encoding.ASCII.GetBytes(world.Owner + ":password"))),
            ("a token without a subject", "Bearer " + Tokens.Create(sub: null, extraClaims: [new("role", "admin")])),
        };
        // Validly signed, but the 'sub' names nobody (issue 20, item 6: a NUL or 3,000 characters answered 500, a blank one started a draft).
        string[] oddSubs = ["", " ", "\t", "\0", "a\0b", "a\u001bb", "a\u0085b", "a\nb", RandomText(3000), new string('é', 128)];
        var oddClaims = endpoint.AdminOnly ? new[] { new System.Security.Claims.Claim("role", "admin") } : null;
        tokens = [.. tokens, .. oddSubs.Select(sub => ($"a signed token whose sub is {Describe(sub)}", (string?)("Bearer " + Tokens.Create(sub, extraClaims: oddClaims))))];

        // Validly signed, but the issuer holds what no header may (issue 20, item 7: the 401's WWW-Authenticate quoted it, a 500).
        string[] oddIssuers = ["issuer\r\nX-Injected: yes", "issuer\0nul", "émetteur", "\u2028", RandomText(2000)];
        tokens = [.. tokens, .. oddIssuers.Select(iss => ($"a signed token whose iss is {Describe(iss)}", (string?)("Bearer " + Tokens.Create(world.Owner, issuer: iss))))];
        foreach (var (name, authorization) in tokens)
        {
            // The body is one the endpoint would accept: only the token is wrong.
            var (headers, body) = Plausible(endpoint);
            if (authorization is not null)
            {
                headers.Add(("Authorization", Encoding.ASCII.GetBytes(authorization)));
            }

            Add(endpoint, name, Expect.Unauthorized, Request(endpoint, Path(endpoint), headers, body));
        }
    }

    private static string NotYetValid()
    {
        var now = DateTimeOffset.UtcNow;
        return new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object> { ["sub"] = "someone" },
            Issuer = Infrastructure.CheckupFactory.Issuer,
            Audience = Infrastructure.CheckupFactory.Audience,
            NotBefore = now.AddHours(1).UtcDateTime,
            IssuedAt = now.UtcDateTime,
            Expires = now.AddHours(2).UtcDateTime,
            SigningCredentials = new(new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(Encoding.UTF8.GetBytes(Infrastructure.CheckupFactory.SigningKey)), "HS256"),
        });
    }

    /// <summary>Printable and not: letters, digits, punctuation, Cyrillic, a surrogate pair now and then.</summary>
    private string RandomText(int length)
    {
        const string alphabet = "abcXYZ019 -_./|%+:@Пётр";
        var text = new StringBuilder(length);
        while (text.Length < length)
        {
            text.Append(_random.Next(20) == 0 ? "😀" : alphabet[_random.Next(alphabet.Length)].ToString());
        }

        return text.ToString(0, length - (char.IsHighSurrogate(text[length - 1]) ? 1 : 0));
    }

    private static string Describe(string sub) => sub.Length switch
    {
        0 => "empty",
        > 40 => $"{sub.Length} characters",
        _ => "'" + string.Concat(sub.Select(c => char.IsControl(c) || c == ' ' ? $"\\u{(int)c:x4}" : c.ToString())) + "'",
    };

    private string RandomBase64Url(int bytes)
    {
        var buffer = new byte[bytes];
        _random.NextBytes(buffer);
        return Convert.ToBase64String(buffer).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
