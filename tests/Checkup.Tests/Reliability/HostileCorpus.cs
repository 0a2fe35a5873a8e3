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

    /// <summary>
    /// Well-formed, with a free-form route value that only looks hostile (a person's id may be any text): no 5xx, a
    /// 4xx is problem+json, and, as for every case, nothing changes (the world's people are not named by it).
    /// </summary>
    Harmless,
}

public sealed record HostileCase(RawRequest Request, Expect Expect, string Endpoint);

/// <summary>An HTTP function as the build lists it (<see cref="HttpFunctions"/>).</summary>
public sealed record ServedEndpoint(string Method, string Pattern, bool AllowsAnonymous, bool AdminOnly, IReadOnlyList<string> Accepts)
{
    public string Key => $"{Method} {Pattern}";
}

/// <summary>The people and data the hostile requests aim at (made before the snapshot).</summary>
public sealed record HostileWorld(string Owner, Guid[] OwnerImages, string OwnerETag, string Stranger, Guid StrangerImage, string Admin);

/// <summary>
/// Malformed and hostile requests for every endpoint the app serves, generated from a seed: bad tokens for every
/// protected endpoint, wrong methods for every path, hostile route values, broken JSON and multipart bodies for every
/// endpoint that accepts one, and malformed HTTP. None of them may be
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
            if (!endpoint.AllowsAnonymous)
            {
                BadTokens(endpoint);
            }

            if (endpoint.AdminOnly)
            {
                Add(endpoint, "a person's token on an admin endpoint", Expect.Problem, Request(endpoint, Path(endpoint), Bearer(Tokens.Valid(world.Owner))));
            }

            RouteValues(endpoint);
            if (endpoint.Key == "DELETE /api/admin/users")
            {
                ErasureTargets(endpoint);
            }

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

    /// <summary>
    /// Route values no resource has: not a uuid, a traversal, a NUL, a uuid nobody uses. A constrained parameter
    /// (<c>{id:guid}</c>) must refuse what does not fit; a free-form one (<c>{sub}</c>) takes them as the id of nobody.
    /// </summary>
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
            var expect = value == "%00" ? Expect.Protocol : FreeForm().IsMatch(endpoint.Pattern) ? Expect.Harmless : Expect.Problem;
            Add(endpoint, $"route value {Short(value)}", expect, Request(endpoint, target, ValidAuth(endpoint)));
        }
    }

    /// <summary>
    /// The person to erase, in the query: what sign-in would refuse is a 400; anything else names nobody of the world
    /// (a percent sign is kept as typed, never decoded a second time) and changes nothing.
    /// </summary>
    private void ErasureTargets(ServedEndpoint endpoint)
    {
        (string Query, Expect Expect)[] queries =
        [
            ("", Expect.Problem), ("?sub=", Expect.Problem), ("?sub=%20%20", Expect.Problem), ("?sub=%00", Expect.Problem),
            ("?sub=a%0D%0Ab", Expect.Problem), ("?sub=" + new string('9', 3000), Expect.Problem), ("?sub=x&sub=y", Expect.Problem),
            ("?sub=" + Uri.EscapeDataString(world.Owner.Replace("-", "%2D", StringComparison.Ordinal)), Expect.Harmless),
            ("?sub=" + Uri.EscapeDataString(world.Owner) + "%2500", Expect.Harmless), ("?sub=a%252Fb", Expect.Harmless),
            ("?sub=%C3%28", Expect.Harmless), ("?sub=%ZZ", Expect.Harmless), ("?sub=..%2F..%2Fetc%2Fpasswd", Expect.Harmless),
            ("?sub=%27%20or%201=1--", Expect.Harmless),
        ];
        foreach (var (query, expect) in queries)
        {
            Add(endpoint, $"erasure target {Short(query)}", expect, Request(endpoint, endpoint.Pattern + query, ValidAuth(endpoint)));
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

    private static string Short(string value) => value.Length > 24 ? value[..24] + "..." : value;

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteParameter();

    [GeneratedRegex(@"\{[^}:?]+\??\}")]
    private static partial Regex FreeForm();
}
