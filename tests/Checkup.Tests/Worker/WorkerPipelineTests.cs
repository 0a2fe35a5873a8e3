using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Checkup.Core.Images;
using Checkup.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Checkup.Tests.Worker;

/// <summary>One app under the local Functions host for the HTTP tests of a class.</summary>
public sealed class HostedAppFixture : IAsyncLifetime
{
    public HostedApp App { get; private set; } = null!;

    public async Task InitializeAsync() => App = await HostedApp.StartAsync();

    public async Task DisposeAsync() => await App.DisposeAsync();
}

/// <summary>
/// The isolated worker through the whole pipeline: HTTP forwarded by the local Functions host, the worker middleware
/// (problems, start-up gate, CORS, bearer tokens, write limits, body limits, charsets), the functions, the database.
/// </summary>
public sealed class WorkerPipelineTests(HostedAppFixture fixture) : IClassFixture<HostedAppFixture>
{
    private HostedApp App => fixture.App;

    private static StringContent Json(string json, string mediaType = "application/json") => new(json, Encoding.UTF8, mediaType);

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem;
    }

    [Fact]
    public async Task Health_answers_anyone_and_hides_errors_from_them()
    {
        var response = await App.CreateClient().GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("healthy", report.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Without_a_token_every_api_function_answers_401_with_the_challenge()
    {
        foreach (var (method, path) in new[] { ("GET", "/api/submission"), ("PUT", "/api/submission/draft"), ("POST", "/api/images"), ("GET", "/api/admin/stats") })
        {
            var response = await App.CreateClient().SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

            await ProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        }
    }

    [Fact]
    public async Task A_token_from_another_issuer_is_refused_with_the_reason()
    {
        var client = App.CreateClient();
        var forged = Checkup.Core.Auth.DevTokens.Mint(new() { SigningKey = CheckupFactory.SigningKey, Issuer = "someone-else", Audience = CheckupFactory.Audience },
            Users.New(), admin: false, TimeSpan.FromHours(1));
        client.DefaultRequestHeaders.Authorization = new("Bearer", forged);

        var response = await client.GetAsync("/api/submission");

        var problem = await ProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.Single().Parameter);
        Assert.Contains("refused", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Admin_functions_refuse_a_person_without_the_role_and_serve_an_admin()
    {
        await ProblemAsync(await App.ClientFor(Users.New()).GetAsync("/api/admin/stats"), HttpStatusCode.Forbidden, "forbidden");

        var response = await App.ClientFor(Users.New("admin"), admin: true).GetAsync("/api/admin/stats");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.TryGetProperty("submissions", out _));
    }

    [Fact]
    public async Task A_draft_is_started_saved_and_guarded_by_its_etag()
    {
        var client = App.ClientFor(Users.New());

        var started = await client.PostAsync("/api/submission", null);
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        Assert.Equal("\"1\"", started.Headers.ETag?.Tag);
        Assert.Equal("/api/submission", started.Headers.Location?.OriginalString);

        using var save = new HttpRequestMessage(HttpMethod.Put, "/api/submission/draft") { Content = Json("""{"projects":[{"name":"Atlas"}]}""") };
        save.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));
        var saved = await client.SendAsync(save);
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.Equal("\"2\"", saved.Headers.ETag?.Tag);

        using var stale = new HttpRequestMessage(HttpMethod.Put, "/api/submission/draft") { Content = Json("""{"projects":[{"name":"Old"}]}""") };
        stale.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));
        var refused = await client.SendAsync(stale);
        var problem = await ProblemAsync(refused, HttpStatusCode.PreconditionFailed, "version_mismatch");
        Assert.Equal("Atlas", problem.GetProperty("current").GetProperty("projects")[0].GetProperty("name").GetString());
        Assert.Equal("\"2\"", refused.Headers.ETag?.Tag);

        var read = JsonDocument.Parse(await client.GetStringAsync("/api/submission")).RootElement;
        Assert.Equal(2, read.GetProperty("version").GetInt32());
    }

    [Theory]
    [InlineData("""{"projects":[{"nam":"x"}]}""", "application/json", HttpStatusCode.BadRequest, "invalid_json")]
    [InlineData("""{"projects":""", "application/json", HttpStatusCode.BadRequest, "invalid_json")]
    [InlineData("", "application/json", HttpStatusCode.BadRequest, "bad_request")]
    [InlineData("null", "application/json", HttpStatusCode.BadRequest, "bad_request")]
    [InlineData("""{"projects":[]}""", "text/plain", HttpStatusCode.UnsupportedMediaType, "unsupported_media_type")]
    [InlineData("""{"projects":[]}""", "application/json; charset=klingon", HttpStatusCode.UnsupportedMediaType, "unsupported_media_type")]
    public async Task A_bad_body_is_a_problem_and_changes_nothing(string body, string contentType, HttpStatusCode status, string code)
    {
        var client = App.ClientFor(Users.New());
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/api/submission", null)).StatusCode);
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        var response = await client.PutAsync("/api/submission/draft", content);

        var problem = await ProblemAsync(response, status, code);
        Assert.DoesNotContain("   at ", problem.GetRawText()); // no stack trace
        Assert.Equal(1, JsonDocument.Parse(await client.GetStringAsync("/api/submission")).RootElement.GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task A_body_over_the_functions_limit_is_refused_before_it_is_read()
    {
        var client = App.ClientFor(Users.New());
        var big = "{\"projects\":[{\"name\":\"" + new string('x', (int)Checkup.Functions.Submissions.SubmissionsApi.MaxBodyBytes) + "\"}]}";

        var response = await client.PutAsync("/api/submission/draft", Json(big));

        await ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task A_preflight_from_the_frontend_is_answered_and_answers_expose_etag_and_location()
    {
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/submission/draft");
        preflight.Headers.Add("Origin", "http://frontend.test");
        preflight.Headers.Add("Access-Control-Request-Method", "PUT");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type,if-match,authorization");

        var answer = await App.CreateClient().SendAsync(preflight);

        Assert.Equal(HttpStatusCode.NoContent, answer.StatusCode);
        Assert.Equal("http://frontend.test", answer.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("PUT", answer.Headers.GetValues("Access-Control-Allow-Methods").Single());

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/submission");
        request.Headers.Add("Origin", "http://frontend.test");
        var started = await App.ClientFor(Users.New()).SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        Assert.Contains("ETag", started.Headers.GetValues("Access-Control-Expose-Headers").Single());

        using var foreign = new HttpRequestMessage(HttpMethod.Options, "/api/submission/draft");
        foreign.Headers.Add("Origin", "http://evil.test");
        foreign.Headers.Add("Access-Control-Request-Method", "PUT");
        var refused = await App.CreateClient().SendAsync(foreign);
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task An_image_of_someone_else_answers_like_a_missing_one()
    {
        var owner = App.ClientFor(Users.New());
        var uploaded = await ImagePipeline.UploadAsync(owner, TestImages.Png());
        Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
        var location = uploaded.Headers.Location!.OriginalString;

        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync(location)).StatusCode);
        await ProblemAsync(await App.ClientFor(Users.New()).GetAsync(location), HttpStatusCode.NotFound, "not_found");
        await ProblemAsync(await owner.GetAsync("/api/images/not-a-guid"), HttpStatusCode.NotFound, "not_found"); // the route's constraint
        var wrongMethod = await owner.PutAsync(location, null);
        await ProblemAsync(wrongMethod, HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        Assert.Equal(["GET"], wrongMethod.Content.Headers.Allow);
    }
}

/// <summary>The per-person write limit, on an app with a small one.</summary>
public sealed class WorkerWriteLimitTests
{
    [Fact]
    public async Task Writes_past_the_limit_get_429_with_retry_after_and_reads_go_on()
    {
        await using var app = await HostedApp.StartAsync(new Dictionary<string, string?> { ["RateLimits:WritesPerMinute"] = "2" });
        var client = app.ClientFor(Users.New());

        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/api/submission", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/api/submission", null)).StatusCode);
        var third = await client.PostAsync("/api/submission", null);

        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal("rate_limited", JsonDocument.Parse(await third.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());
        Assert.True(third.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/submission")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await app.ClientFor(Users.New()).PostAsync("/api/submission", null)).StatusCode); // someone else
    }
}

/// <summary>An upload through the host, its message through the real queue, ProcessImage pushing it to Cloudinary.</summary>
public sealed class WorkerImagePipelineTests
{
    [Fact]
    public async Task An_uploaded_image_reaches_cloudinary_through_the_queue_trigger()
    {
        await using var cloudinary = await CloudinaryStandIn.StartAsync();
        await using var app = await HostedApp.StartAsync(new Dictionary<string, string?>
        {
            ["CLOUDINARY_URL"] = cloudinary.CloudinaryUrl,
            ["Cloudinary:ApiBaseUrl"] = cloudinary.BaseUrl.ToString(),
        });
        var png = TestImages.Png();

        var response = await ImagePipeline.UploadAsync(app.ClientFor(Users.New()), png);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();

        var row = await ImagePipeline.WaitForStatusAsync(app.Services, id, ImageStatus.SavedInCloudinary, TimeSpan.FromSeconds(60));
        Assert.Null(row.Error);
        Assert.NotNull(cloudinary.Asset(Checkup.Core.Cloudinary.CloudinaryClient.PublicIdFor(id)));
        // The row is written before the function returns; the host prints its line when it does.
        Assert.Contains("Executed 'Functions.ProcessImage' (Succeeded", await app.WaitForLogAsync("Executed 'Functions.ProcessImage' (", TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_message_that_is_not_an_image_message_ends_in_the_poison_queue()
    {
        // A failed delivery comes back after host.json's visibility timeout (30 s): one second here, as an app setting overrides it.
        await using var app = await HostedApp.StartAsync(new Dictionary<string, string?> { ["AzureFunctionsJobHost:extensions:queues:visibilityTimeout"] = "00:00:01" });
        await app.Storage.UploadQueue.SendMessageAsync(Convert.ToBase64String("{\"hello\":1}"u8.ToArray()));

        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < deadline && (await app.Storage.PoisonQueue.PeekMessagesAsync(1)).Value.Length == 0)
        {
            await Task.Delay(500);
        }

        var poisoned = Assert.Single((await app.Storage.PoisonQueue.PeekMessagesAsync(32)).Value);
        Assert.Contains("hello", Encoding.UTF8.GetString(Convert.FromBase64String(poisoned.Body.ToString())));
        Assert.Equal(5, app.Output.Split('\n').Count(l => l.Contains("Executed 'Functions.ProcessImage' (Failed", StringComparison.Ordinal))); // host.json maxDequeueCount
    }
}
