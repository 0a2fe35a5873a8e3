using System.Net;
using System.Net.Http.Headers;
using Checkup.Tests.Infrastructure;
using Checkup.Tests.Submissions;
using Dapper;
using Npgsql;

namespace Checkup.Tests.Auth;

/// <summary>
/// A validly signed token whose <c>sub</c> cannot name a person (empty, blank, control characters, longer than the
/// indexes hold) is refused at sign-in with a 401 that says why, on every endpoint, before anything is stored. Found by
/// the outside probe (issue 20, item 6): a NUL or 3,000 characters answered 500, an empty or blank one started a draft.
/// </summary>
public sealed class SubjectValidationTests(SubmissionsFactory factory) : IClassFixture<SubmissionsFactory>
{
    /// <summary>Each refused kind by name (the test names stay readable); the values are built here.</summary>
    public static TheoryData<string> Refused => ["empty", "blank", "tab and spaces", "nul", "nul inside", "escape sequence", "c1 control", "3000 characters", "256 utf-8 bytes"];

    private static string Sub(string kind) => kind switch
    {
        "empty" => "",
        "blank" => "   ",
        "tab and spaces" => " \t ",
        "nul" => "\0",
        "nul inside" => "user\0" + Guid.NewGuid().ToString("N"),
        "escape sequence" => "user-\u001b[31m-" + Guid.NewGuid().ToString("N"),
        "c1 control" => "user\u0085" + Guid.NewGuid().ToString("N"),
        "3000 characters" => Guid.NewGuid().ToString("N") + string.Concat(Enumerable.Range(0, 2968).Select(i => (char)('a' + i % 26))),
        "256 utf-8 bytes" => Guid.NewGuid().ToString("N")[..2] + new string('é', 127), // 2 + 254 bytes
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_token_whose_sub_names_nobody_gets_401_with_the_reason_on_every_endpoint_and_stores_nothing(string kind)
    {
        var sub = Sub(kind);
        var client = ClientFor(sub);
        var before = await RowsOfAsync(sub); // a blank sub is no one's own: count what is there, not assume nothing

        var answers = new[]
        {
            await client.GetAsync("/api/submission"),
            await client.PostAsync("/api/submission", null),
            await ImagePipeline.UploadAsync(client, TestImages.Png()),
        };

        foreach (var response in answers)
        {
            var problem = await response.ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
            Assert.Contains("subject", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
            var challenge = response.Headers.WwwAuthenticate.ToString();
            Assert.StartsWith("Bearer", challenge, StringComparison.Ordinal);
            Assert.Contains("error=\"invalid_token\"", challenge, StringComparison.Ordinal);
            Assert.Contains("sub", challenge, StringComparison.Ordinal);
        }

        Assert.Equal(before, await RowsOfAsync(sub));
    }

    /// <summary>Rows stored under <paramref name="sub"/>; PostgreSQL text cannot hold a NUL, so no such row can exist.</summary>
    private static async Task<long> RowsOfAsync(string sub)
    {
        if (sub.Contains('\0'))
        {
            return 0;
        }

        await using var connection = new NpgsqlConnection(TestEnvironment.Postgres);
        return await connection.ExecuteScalarAsync<long>(
            "select (select count(*) from submissions where author_id = @sub) + (select count(*) from images where owner_id = @sub)", new { sub });
    }

    [Theory]
    [InlineData("Пётр/😀 with spaces")]
    [InlineData(" padded ")]
    [InlineData("255 utf-8 bytes")]
    [InlineData("auth0|a%2Fb")]
    public async Task A_sub_with_any_printable_text_up_to_255_utf8_bytes_signs_in(string kind)
    {
        var sub = kind == "255 utf-8 bytes" ? Users.Longest() : kind + " " + Guid.NewGuid().ToString("N");
        var client = ClientFor(sub);

        var started = await client.PostAsync("/api/submission", null);
        var read = await client.GetAsync("/api/submission");
        var upload = await ImagePipeline.UploadAsync(client, TestImages.Png());

        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        Assert.NotNull(await Db.RowAsync(sub));
    }

    private HttpClient ClientFor(string sub)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Tokens.Create(sub));
        return client;
    }
}
