using System.Text;
using System.Text.RegularExpressions;
using Checkup.Tests.Auth;

namespace Checkup.Tests.Reliability;

/// <summary>What a hostile request must get.</summary>
public enum Expect
{
    /// <summary>A 4xx problem+json with a <c>code</c> from the app.</summary>
    Problem,

    /// <summary>401 with <c>WWW-Authenticate</c> and a problem+json body (or 403 problem+json for a token that is no person).</summary>
    Unauthorized,

    /// <summary>
    /// Refused by Kestrel before the app sees a request (malformed HTTP, limits): a 4xx, whose body, when there is one,
    /// is problem+json. Kestrel writes these answers itself, without a body.
    /// </summary>
    Protocol,

    /// <summary>The client stopped sending mid-body, as a cut-off client does: Kestrel drops the request. A 4xx if any answer.</summary>
    Gone,
}

public sealed record HostileCase(RawRequest Request, Expect Expect, string Endpoint);

/// <summary>An endpoint as the app's EndpointDataSource lists it.</summary>
public sealed record ServedEndpoint(string Method, string Pattern, bool AllowsAnonymous, bool AdminOnly, IReadOnlyList<string> Accepts)
{
    public string Key => $"{Method} {Pattern}";

    /// <summary>The Functions host's own loopback protocol (/ProcessImage, /CleanupImages): POSTs outside /api other than the root.</summary>
    public bool HostProtocol => Method == "POST" && !Pattern.StartsWith("/api/", StringComparison.Ordinal) && Pattern != "/";
}

/// <summary>The people and data the hostile requests aim at (made before the snapshot).</summary>
public sealed record HostileWorld(string Owner, Guid[] OwnerImages, string OwnerETag, string Stranger, Guid StrangerImage, string Admin);

/// <summary>
/// Malformed and hostile requests for every endpoint the app serves, generated from a seed: bad tokens for every
/// protected endpoint, wrong methods for every path, hostile route values, broken JSON and multipart bodies for every
/// endpoint that accepts one, malformed HTTP, and broken host payloads for the trigger endpoints. None of them may be
/// accepted; none may change anything.
/// </summary>
public sealed partial class HostileCorpus(int seed, IReadOnlyList<ServedEndpoint> endpoints, HostileWorld world)
{
    private readonly Random _random = new(seed);
    private readonly List<HostileCase> _cases = [];

    public List<HostileCase> Generate()
    {
        foreach (var endpoint in endpoints)
        {
            if (endpoint.HostProtocol)
            {
                HostPayloads(endpoint);
                continue;
            }

            if (!endpoint.AllowsAnonymous)
            {
                BadTokens(endpoint);
            }

            if (endpoint.AdminOnly)
            {
                Add(endpoint, "a person's token on an admin endpoint", Expect.Problem, Request(endpoint, Path(endpoint), Bearer(Tokens.Valid(world.Owner))));
            }

            RouteValues(endpoint);
            if (endpoint.Accepts.Any(a => a.Contains("json", StringComparison.OrdinalIgnoreCase)))
            {
                JsonBodies(endpoint);
            }

            if (endpoint.Accepts.Any(a => a.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase)))
            {
                MultipartBodies(endpoint);
            }
        }

        WrongMethods();
        MalformedHttp();
        return _cases;
    }

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

    /// <summary>Route values no resource has: not a uuid, a traversal, a NUL, a uuid nobody uses.</summary>
    private void RouteValues(ServedEndpoint endpoint)
    {
        if (!endpoint.Pattern.Contains('{'))
        {
            return;
        }

        string[] values = ["not-a-guid", "..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fapi%2fhealth", "%00", "'%20or%201=1--", new string('9', 3000),
            Guid.Empty.ToString(), Guid.NewGuid().ToString(), Guid.NewGuid().ToString("N"), "%C3%28", "%ZZ"];
        foreach (var value in values)
        {
            var target = RouteParameter().Replace(endpoint.Pattern, value);
            // Kestrel itself refuses a path that decodes to a NUL.
            Add(endpoint, $"route value {Short(value)}", value == "%00" ? Expect.Protocol : Expect.Problem, Request(endpoint, target, ValidAuth(endpoint)));
        }
    }

    private void WrongMethods()
    {
        // Routing matches method names ignoring case, so "get" is GET to it: only other names are wrong.
        string[] methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "TRACE", "FOO", "PROPFIND"];
        foreach (var path in endpoints.GroupBy(e => e.Pattern))
        {
            var served = path.Select(e => e.Method).ToHashSet();
            foreach (var method in methods.Where(m => !served.Contains(m)))
            {
                var endpoint = path.First();
                var target = RouteParameter().Replace(path.Key, Guid.NewGuid().ToString());
                Add(endpoint, $"method {method}", Expect.Problem,
                    new RawRequest("", method, target, ValidAuth(endpoint), method is "GET" or "TRACE" ? [] : "{}"u8.ToArray()));
            }
        }
    }

    private void Add(ServedEndpoint endpoint, string name, Expect expect, RawRequest request) =>
        _cases.Add(new HostileCase(request with { Name = $"{endpoint.Key}: {name}" }, expect, endpoint.Key));

    private static RawRequest Request(ServedEndpoint endpoint, string target, IReadOnlyList<(string, byte[])> headers, byte[]? body = null) =>
        new("", endpoint.Method, target, headers, body ?? []);

    private static string Path(ServedEndpoint endpoint) => RouteParameter().Replace(endpoint.Pattern, Guid.NewGuid().ToString());

    private static List<(string, byte[])> Bearer(string token) => [("Authorization", Encoding.ASCII.GetBytes("Bearer " + token))];

    /// <summary>The best token there is for the endpoint: the admin's for admin endpoints, the owner's otherwise.</summary>
    private List<(string, byte[])> ValidAuth(ServedEndpoint endpoint) =>
        endpoint.AllowsAnonymous ? [] : Bearer(Tokens.Valid(endpoint.AdminOnly ? world.Admin : world.Owner, admin: endpoint.AdminOnly));

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

    private string RandomBase64Url(int bytes)
    {
        var buffer = new byte[bytes];
        _random.NextBytes(buffer);
        return Convert.ToBase64String(buffer).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static string Short(string value) => value.Length > 24 ? value[..24] + "..." : value;

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteParameter();
}
