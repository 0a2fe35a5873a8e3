using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Checkup.Core.Storage;
using Checkup.Functions.Auth;
using Checkup.Tests.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Checkup.Tests.Reliability;

/// <summary>
/// The bad-input run: the hostile corpus against every endpoint of the app on real Kestrel (malformed HTTP needs a
/// socket), on a database of its own and the factory's own container and queue. No answer may be a 5xx, every answer
/// must refuse (problem+json, or 401 with WWW-Authenticate, or Kestrel's own bodiless 4xx for malformed HTTP), and the
/// database, the container and the queues must be exactly as before.
/// </summary>
public sealed class HostileRequestTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Seed = 7_2026;
    private ScratchApp _app = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        _app = await ScratchApp.CreateAsync(new Dictionary<string, string?>
        {
            ["RateLimits:WritesPerMinute"] = "1000000", // the corpus is one person's flood; the limiter is tested elsewhere
            ["Images:UploadRateWindow"] = "00:00:02", // so the slow drip is refused in seconds
            ["Images:UploadMinBytesPerSecond"] = "1024",
        });
        _port = _app.Factory.StartOnKestrel().Port;
    }

    [Fact]
    public async Task Hundreds_of_hostile_requests_to_every_endpoint_get_4xx_refusals_and_change_nothing()
    {
        var world = await CreateWorldAsync();
        var endpoints = Served();
        var storage = _app.Factory.Services.GetRequiredService<StorageClients>();
        var before = await WorldSnapshot.TakeAsync(_app.ConnectionString, storage);
        var corpus = new HostileCorpus(Seed, endpoints, world).Generate();

        var failures = new List<string>();
        var byStatus = new SortedDictionary<int, int>();
        foreach (var hostile in corpus)
        {
            RawResponse? response;
            try
            {
                response = await RawHttp.SendAsync(Port, hostile.Request);
            }
            catch (OperationCanceledException)
            {
                if (Verdict(hostile, null) is { } unanswered)
                {
                    failures.Add($"{hostile.Request}: {unanswered}: no answer and no close within the limit");
                }

                continue;
            }

            byStatus[response?.Status ?? 0] = byStatus.GetValueOrDefault(response?.Status ?? 0) + 1;
            if (Verdict(hostile, response) is { } problem)
            {
                failures.Add($"{hostile.Request}: {problem}: {response}");
            }
        }

        var after = await WorldSnapshot.TakeAsync(_app.ConnectionString, storage);
        output.WriteLine($"{corpus.Count} hostile requests (seed {Seed}) to {endpoints.Count} endpoints; answers by status: " +
                         string.Join(", ", byStatus.Select(s => $"{s.Key}: {s.Value}")));
        foreach (var endpoint in corpus.GroupBy(c => c.Endpoint))
        {
            output.WriteLine($"  {endpoint.Key}: {endpoint.Count()}");
        }

        Assert.True(corpus.Count >= 300, $"only {corpus.Count} requests");
        Assert.All(endpoints, e => Assert.Contains(corpus, c => c.Endpoint == e.Key)); // every endpoint got its share
        Assert.True(failures.Count == 0, $"{failures.Count} of {corpus.Count} answers were wrong:\n" + string.Join('\n', failures));
        Assert.Equal(before, after);
    }

    /// <returns>null when the answer is a proper refusal, otherwise what is wrong with it.</returns>
    private static string? Verdict(HostileCase hostile, RawResponse? response)
    {
        var expect = hostile.Expect;
        if (response is null || response == RawHttp.TimedOut)
        {
            // A body sent a byte at a time: the worker cuts the upload off (SlowUploadTests see it do so), but the host
            // relays its 408 only once the client stops sending (tools/FunctionsHost/README.md), which this one never does.
            return expect == Expect.Gone || hostile.Request.DripEvery is not null ? null : "no answer";
        }

        if (response.Status >= 500)
        {
            return "a server error";
        }

        if (HostRefusals.Contains(response.Status) && response.Body.Length == 0)
        {
            return null; // the Functions host's own answer: no function took the request (see HostRefusals)
        }

        if (response.Status < 400)
        {
            return expect == Expect.Harmless ? null : "accepted";
        }

        var problemJson = response.ContentType == "application/problem+json" && HasCode(response.Body);
        return expect switch
        {
            Expect.Unauthorized when response.Status == 401 && response.Header("WWW-Authenticate")?.StartsWith("Bearer", StringComparison.Ordinal) != true =>
                "401 without WWW-Authenticate: Bearer",
            Expect.Unauthorized when response.Status is not (401 or 403) => "not 401/403",
            Expect.Protocol when response.Body.Length > 0 && !problemJson => "a body that is not problem+json",
            Expect.Problem or Expect.Unauthorized or Expect.Harmless when !problemJson => "not problem+json with a code",
            _ => null,
        };
    }

    /// <summary>
    /// What the Functions host answers itself, before any function runs, with no body (on Azure as here): an address
    /// outside /api (404), a method no function takes (405), headers past its limits (414, 431), a body that never comes
    /// (408). The app's own answers are problem+json.
    /// </summary>
    private static readonly HashSet<int> HostRefusals = [404, 405, 408, 414, 431];

    private static bool HasCode(string body)
    {
        try
        {
            return JsonDocument.Parse(body).RootElement.TryGetProperty("code", out var code) && code.GetString() is { Length: > 0 };
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>An owner with a draft and three staged images (blobs and queue messages), a stranger with an image of theirs.</summary>
    private async Task<HostileWorld> CreateWorldAsync()
    {
        var owner = Users.New("owner");
        var stranger = Users.New("stranger");
        var client = _app.Factory.ClientFor(owner);
        var images = new Guid[3];
        for (var i = 0; i < images.Length; i++)
        {
            images[i] = await UploadAsync(client);
        }

        var strangerImage = await UploadAsync(_app.Factory.ClientFor(stranger));
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/api/submission", null)).StatusCode);
        var form = new { projects = images.Select((id, i) => new { name = $"Project {i}", description = "Real", role = "Lead", imageId = id }) };
        using var save = new HttpRequestMessage(HttpMethod.Put, "/api/submission/draft") { Content = JsonContent.Create(form) };
        var saved = await client.SendAsync(save);
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        return new HostileWorld(owner, images, saved.Headers.ETag!.ToString(), stranger, strangerImage, Users.New("admin"));
    }

    private static async Task<Guid> UploadAsync(HttpClient client)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(TestImages.Png());
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "file", "photo.png");
        var response = await client.PostAsync("/api/images", form);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
    }

    private int Port => _port;

    /// <summary>Every route the app serves, with what it needs: so an endpoint added tomorrow is attacked too.</summary>
    private static List<ServedEndpoint> Served() =>
        HttpFunctions.All().Where(f => !f.IsFallback)
            .Select(f => new ServedEndpoint(f.Method, f.Pattern, f.AllowsAnonymous, f.AdminOnly, f.Accepts))
            .ToList();

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
    }
}
