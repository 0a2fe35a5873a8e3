using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Checkup.Tests.Infrastructure;
using Checkup.Tests.Submissions;
using Xunit.Abstractions;

namespace Checkup.Tests.Auth;

/// <summary>
/// Every endpoint the app serves, called as nine identities. Endpoints come from the build's functions.metadata, so a
/// new endpoint is covered the day it is added: by its row in <see cref="Expected"/> when it has one, otherwise by the
/// general rules (a token is needed unless the endpoint opts out; /api/admin is for admins only, 403 for everyone else).
/// </summary>
public sealed partial class AuthorizationMatrixTests(SubmissionsFactory factory, ITestOutputHelper output) : IClassFixture<SubmissionsFactory>
{
    public enum Identity { Anonymous, Expired, WrongAudience, WrongIssuer, AlgNone, WrongKey, AnotherUser, Owner, Admin }

    private static readonly Identity[] BadTokens = [Identity.Anonymous, Identity.Expired, Identity.WrongAudience, Identity.WrongIssuer, Identity.AlgNone, Identity.WrongKey];

    /// <summary>Statuses for signed-in callers (owner, another user, admin); every bad token gets 401 unless the endpoint is public.</summary>
    private static readonly Dictionary<string, (bool Public, int Owner, int AnotherUser, int Admin)> Expected = new()
    {
        ["GET /api/health"] = (true, 200, 200, 200),
        ["GET /api/openapi.json"] = (true, 200, 200, 200),
        ["GET /api/submission"] = (false, 200, 200, 404),          // another user sees their own; the admin has none
        ["POST /api/submission"] = (false, 200, 200, 201),         // repeating a start returns the existing one
        ["PUT /api/submission/draft"] = (false, 200, 422, 404),    // the body names the owner's images: not the other user's
        ["POST /api/submission/submit"] = (false, 200, 422, 404),
        ["GET /api/admin/submissions"] = (false, 403, 403, 200),
        ["GET /api/admin/submissions.csv"] = (false, 403, 403, 200),
        ["GET /api/admin/stats"] = (false, 403, 403, 200),
        ["GET /api/admin/images"] = (false, 403, 403, 200),
        ["POST /api/admin/images/{id:guid}/retry"] = (false, 403, 403, 404),    // a random id
        ["POST /api/admin/images/{id:guid}/give-up"] = (false, 403, 403, 404),
        ["DELETE /api/admin/users"] = (false, 403, 403, 200),                  // ?sub= a random person: a receipt saying nothing was found
    };

    [Fact]
    public async Task Every_endpoint_answers_every_identity_as_the_table_and_rules_say()
    {
        var endpoints = Served();
        Assert.Empty(Expected.Keys.Except(endpoints.Select(e => e.Key))); // a row for an endpoint that is gone
        var failures = new List<string>();
        var cells = 0;

        foreach (var endpoint in endpoints)
        {
            foreach (var identity in Enum.GetValues<Identity>())
            {
                var world = await World.CreateAsync(factory);
                var (status, body) = await CallAsync(endpoint, identity, world);
                var expected = ExpectedStatus(endpoint, identity);
                cells++;
                if (!expected.Matches(status))
                {
                    failures.Add($"{endpoint.Key} as {identity}: expected {expected}, got {status} {Trim(body)}");
                }

                if (status >= 500)
                {
                    failures.Add($"{endpoint.Key} as {identity}: server error {status} {Trim(body)}");
                }

                // Admins read everyone's submissions under /api/admin by design; everywhere else only the owner sees theirs.
                var mayRead = identity == Identity.Owner || (identity == Identity.Admin && endpoint.Pattern.StartsWith("/api/admin/", StringComparison.Ordinal));
                if (!mayRead && body.Contains(world.OwnerSecret, StringComparison.Ordinal))
                {
                    failures.Add($"{endpoint.Key} as {identity}: the owner's data leaked into the answer");
                }
            }
        }

        output.WriteLine($"{endpoints.Count} endpoints x {Enum.GetValues<Identity>().Length} identities = {cells} cells");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task A_401_carries_www_authenticate_and_a_problem_body_that_says_why()
    {
        var client = factory.CreateClient();
        var cases = new (string? Token, string Expected)[]
        {
            (null, "needs a bearer token"),
            (Tokens.Expired("someone"), "expired"),
            (Tokens.WrongAudience("someone"), "audience"),
            (Tokens.WrongIssuer("someone"), "issuer"),
            (Tokens.WrongKey("someone"), "signature"),
            (Tokens.AlgNone("someone"), "refused"),
            ("not-a-jwt", "refused"),
        };

        foreach (var (token, expected) in cases)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/api/submission");
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            var response = await client.SendAsync(request);

            var problem = await response.ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
            var challenge = Assert.Single(response.Headers.WwwAuthenticate);
            Assert.Equal("Bearer", challenge.Scheme);
            if (token is not null)
            {
                Assert.Contains("error=\"invalid_token\"", challenge.Parameter, StringComparison.Ordinal);
            }

            Assert.Contains(expected, problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        }
    }

    /// <summary>The owner's world for one cell: a draft with a secret in it and three images of theirs; another person with a draft.</summary>
    private sealed record World(string Owner, string AnotherUser, string Admin, Guid[] OwnerImages, string OwnerSecret)
    {
        public static async Task<World> CreateAsync(CheckupFactory factory)
        {
            var world = new World(Users.New("owner"), Users.New("another"), Users.New("admin"), [], "owner-secret-" + Guid.NewGuid().ToString("N"));
            world = world with { OwnerImages = await Db.ImagesAsync(world.Owner) };
            var owner = new SubmissionClient(factory.ClientFor(world.Owner));
            await owner.StartedAsync();
            Assert.Equal(HttpStatusCode.OK, (await owner.SaveAsync(Forms.Of(Forms.Project(world.OwnerSecret, null, null, null)))).StatusCode);
            await new SubmissionClient(factory.ClientFor(world.AnotherUser)).StartedAsync();
            return world;
        }
    }

    private sealed record ServedEndpoint(string Method, string Pattern, bool AllowsAnonymous)
    {
        public string Key => $"{Method} {Pattern}";
    }

    private readonly record struct ExpectedAnswer(int? Exactly, int[] NotAllowed)
    {
        public bool Matches(int status) => Exactly is { } exact ? status == exact : !NotAllowed.Contains(status);
        public override string ToString() => Exactly is { } exact ? exact.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"anything but {string.Join('/', NotAllowed)}";
    }

    private static ExpectedAnswer Exactly(int status) => new(status, []);

    private static ExpectedAnswer ExpectedStatus(ServedEndpoint endpoint, Identity identity)
    {
        var bad = BadTokens.Contains(identity);
        if (Expected.TryGetValue(endpoint.Key, out var row))
        {
            return identity switch
            {
                _ when bad => Exactly(row.Public ? row.Owner : 401),
                Identity.Owner => Exactly(row.Owner),
                Identity.AnotherUser => Exactly(row.AnotherUser),
                _ => Exactly(row.Admin),
            };
        }

        if (endpoint.Pattern.StartsWith("/api/admin", StringComparison.Ordinal))
        {
            return identity switch
            {
                _ when bad => Exactly(401),
                Identity.Admin => new ExpectedAnswer(null, [401, 403]),
                _ => Exactly(403),
            };
        }

        return bad && !endpoint.AllowsAnonymous ? Exactly(401) : new ExpectedAnswer(null, [401, 403]);
    }

    private async Task<(int Status, string Body)> CallAsync(ServedEndpoint endpoint, Identity identity, World world)
    {
        var path = RouteParameter().Replace(endpoint.Pattern, _ => Guid.NewGuid().ToString());
        if (endpoint.Key == "DELETE /api/admin/users")
        {
            path += "?sub=" + Guid.NewGuid(); // the person to erase
        }

        var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), path);
        if (endpoint.Method is "PUT" or "POST" && path.StartsWith("/api/submission/", StringComparison.Ordinal))
        {
            request.Content = JsonContent.Create(Forms.Complete(world.OwnerImages));
        }

        var token = identity switch
        {
            Identity.Anonymous => null,
            Identity.Expired => Tokens.Expired(world.Owner),
            Identity.WrongAudience => Tokens.WrongAudience(world.Owner),
            Identity.WrongIssuer => Tokens.WrongIssuer(world.Owner),
            Identity.AlgNone => Tokens.AlgNone(world.Owner, admin: true),
            Identity.WrongKey => Tokens.WrongKey(world.Owner),
            Identity.AnotherUser => Tokens.Valid(world.AnotherUser),
            Identity.Owner => Tokens.Valid(world.Owner),
            Identity.Admin => Tokens.Valid(world.Admin, admin: true),
            _ => throw new ArgumentOutOfRangeException(nameof(identity)),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var response = await factory.CreateClient().SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The HTTP surface: every HTTP function of the build (the catch-all for unknown routes aside).</summary>
    private static List<ServedEndpoint> Served() =>
        HttpFunctions.All().Where(f => !f.IsFallback).Select(f => new ServedEndpoint(f.Method, f.Pattern, f.AllowsAnonymous)).ToList();

    private static string Trim(string body) => body.Length > 300 ? body[..300] + "..." : body;

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteParameter();
}
