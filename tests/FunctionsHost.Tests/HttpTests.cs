using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace FunctionsHost.Tests;

/// <summary>One host for the HTTP tests: they only read, so they can share it.</summary>
public sealed class HttpHostFixture : IAsyncLifetime
{
    public SampleHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await SampleHost.StartAsync(new SampleSettings());

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

public sealed class HttpTests(HttpHostFixture fixture) : IClassFixture<HttpHostFixture>
{
    private HttpClient Client => fixture.Host.Client;

    [Fact]
    public async Task Get_binds_the_route_value_and_the_query()
    {
        var response = await Client.GetAsync("api/hello/ada?q=lovelace");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Hello ada", body.GetProperty("greeting").GetString());
        Assert.Equal("lovelace", body.GetProperty("q").GetString());
    }

    [Fact]
    public async Task Route_constraints_and_catch_all_match_as_ASP_NET_Core_routes()
    {
        var item = await Client.GetFromJsonAsync<JsonElement>("api/items/42");
        Assert.Equal(42, item.GetProperty("id").GetInt32());

        var deleted = await Client.DeleteAsync("api/items/7");
        Assert.Equal("DELETE", (await deleted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("method").GetString());

        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync("api/items/not-a-number")).StatusCode);
        Assert.Equal("a/b/c.txt", await Client.GetStringAsync("api/files/a/b/c.txt"));
    }

    [Fact]
    public async Task Post_of_20_MiB_is_echoed_byte_identical_without_the_host_holding_the_body()
    {
        // Warm the path first, so the peak measured next is the forwarding of the large body, not start-up.
        var warmUp = await Client.PostAsync("api/echo", new ByteArrayContent(new byte[2 * 1024 * 1024]));
        Assert.Equal(HttpStatusCode.OK, warmUp.StatusCode);
        var body = new byte[20 * 1024 * 1024];
        Random.Shared.NextBytes(body);
        var peakBefore = fixture.Host.PeakMemory();

        using var response = await Client.PostAsync("api/echo", new ByteArrayContent(body));
        var echoed = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(body.AsSpan().SequenceEqual(echoed), "the echoed body differs from the one sent");
        var growth = fixture.Host.PeakMemory() - peakBefore;
        Assert.True(growth < body.Length / 2, $"the host's peak memory grew by {growth / 1024 / 1024} MiB while forwarding a 20 MiB body");
    }

    [Fact]
    public async Task Worker_middleware_answers_401_without_the_function()
    {
        var refused = await Client.GetAsync("api/secure");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("", await refused.Content.ReadAsStringAsync());

        using var request = new HttpRequestMessage(HttpMethod.Get, "api/secure") { Headers = { { "x-sample-key", "letmein" } } };
        var allowed = await Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal("secret", await allowed.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_function_that_throws_gives_500_without_details()
    {
        var response = await Client.GetAsync("api/boom");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("boom", body);
        Assert.DoesNotContain(" at ", body);
    }

    [Fact]
    public async Task Unknown_route_is_404_and_wrong_method_is_405()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync("api/nothing-here")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync("hello/ada")).StatusCode); // outside routePrefix
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await Client.PostAsync("api/hello/ada", new StringContent(""))).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await Client.GetAsync("api/echo")).StatusCode);
    }
}
