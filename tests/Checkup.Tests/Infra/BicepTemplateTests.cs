using System.Reflection;
using System.Text.Json;
using Checkup.Core.Configuration;
using Checkup.Tests.Infrastructure;
using Microsoft.Azure.Functions.Worker;

namespace Checkup.Tests.Infra;

/// <summary>What the compiled ARM template must hold for the worker to run on Azure as the code expects.</summary>
public sealed class BicepTemplateTests(CompiledTemplate compiled) : IClassFixture<CompiledTemplate>
{
    private static readonly StorageOptions AppDefaults = new();

    [Fact]
    public void Bicep_build_build_params_and_lint_pass_without_a_single_warning()
    {
        Assert.True(compiled.Run.ExitCode == 0, "infra/bicep.sh failed:\n" + compiled.Run.Output);
        Assert.DoesNotContain(": Warning ", compiled.Run.Output);
        Assert.Contains("build and lint clean", compiled.Run.Output);
    }

    [Fact]
    public void Function_app_runs_the_dotnet_isolated_worker_on_net_10_on_flex_consumption_with_a_system_assigned_identity()
    {
        var plan = compiled.Resource("Microsoft.Web/serverfarms");
        var site = compiled.Resource("Microsoft.Web/sites");
        var config = site.GetProperty("properties").GetProperty("functionAppConfig");

        Assert.Equal("FlexConsumption", plan.GetProperty("sku").GetProperty("tier").GetString());
        Assert.Equal("functionapp,linux", site.GetProperty("kind").GetString());
        Assert.Equal("SystemAssigned", site.GetProperty("identity").GetProperty("type").GetString());
        Assert.Equal("dotnet-isolated", config.GetProperty("runtime").GetProperty("name").GetString());
        Assert.Equal("10.0", config.GetProperty("runtime").GetProperty("version").GetString());
        Assert.Equal("SystemAssignedIdentity", config.GetProperty("deployment").GetProperty("storage").GetProperty("authentication").GetProperty("type").GetString());
        // Flex takes the runtime from functionAppConfig only and refuses these as app settings.
        Assert.DoesNotContain("FUNCTIONS_WORKER_RUNTIME", compiled.Text);
        Assert.DoesNotContain("FUNCTIONS_EXTENSION_VERSION", compiled.Text);
    }

    [Fact]
    public void Storage_holds_the_staging_container_the_image_queue_its_poison_queue_and_the_deployment_container()
    {
        var containers = compiled.Resources("Microsoft.Storage/storageAccounts/blobServices/containers").Select(compiled.LeafName).ToList();
        var queues = compiled.Resources("Microsoft.Storage/storageAccounts/queueServices/queues").Select(compiled.LeafName).ToList();
        var deployment = compiled.Resource("Microsoft.Web/sites").GetProperty("properties").GetProperty("functionAppConfig")
            .GetProperty("deployment").GetProperty("storage").GetProperty("value").GetString()!;

        Assert.Contains(AppDefaults.StagingContainer, containers);
        Assert.Contains(AppDefaults.UploadQueue, queues);
        Assert.Contains(AppDefaults.PoisonQueue, queues);
        // The queue ProcessImage's trigger watches is named by an app setting, and that setting names the deployed queue.
        var setting = ProcessImageQueueSetting();
        Assert.Equal("Storage__UploadQueue", setting);
        Assert.Equal(AppDefaults.UploadQueue, compiled.Evaluate(AppSettings()[setting]));
        Assert.Contains("variables('deploymentContainerName')", deployment);
        Assert.Contains(compiled.Variable("deploymentContainerName"), containers);
    }

    [Fact]
    public void Storage_is_reached_by_identity_with_account_keys_off()
    {
        var account = compiled.Resource("Microsoft.Storage/storageAccounts").GetProperty("properties");
        var settings = AppSettings();
        var roles = compiled.Resources("Microsoft.Authorization/roleAssignments")
            .Select(r => r.GetProperty("properties").GetProperty("roleDefinitionId").GetString()!)
            .ToList();

        Assert.False(account.GetProperty("allowSharedKeyAccess").GetBoolean());
        Assert.Contains("primaryEndpoints.blob", settings["AzureWebJobsStorage__blobServiceUri"]);
        Assert.Contains("primaryEndpoints.queue", settings["AzureWebJobsStorage__queueServiceUri"]);
        Assert.Equal("managedidentity", settings["AzureWebJobsStorage__credential"]);
        Assert.DoesNotContain("AzureWebJobsStorage", settings.Keys); // no connection string, so no key
        Assert.Contains(roles, r => r.Contains("storageBlobDataOwner", StringComparison.Ordinal));
        Assert.Contains(roles, r => r.Contains("storageQueueDataContributor", StringComparison.Ordinal));
    }

    [Fact]
    public void Secrets_reach_the_app_only_as_key_vault_references_it_may_read()
    {
        var settings = AppSettings();
        var roles = compiled.Resources("Microsoft.Authorization/roleAssignments").ToList();
        var secretsUser = Assert.Single(roles, r => r.GetProperty("properties").GetProperty("roleDefinitionId").GetString()!.Contains("keyVaultSecretsUser", StringComparison.Ordinal));

        // Versionless references by the secret's name (rotation is followed), so they hold whether or not this deployment
        // wrote the secret: a deployment without the secret parameters (the pipeline's) leaves Key Vault's as they are.
        foreach (var (name, secret) in new[] { ("CLOUDINARY_URL", "cloudinarySecretName"), ("Auth__SigningKey", "signingKeySecretName") })
        {
            Assert.Contains("'@Microsoft.KeyVault(SecretUri={0}secrets/{1})'", settings[name]);
            Assert.Contains("Microsoft.KeyVault/vaults", settings[name]);
            Assert.Contains($"variables('{secret}')", settings[name]);
        }

        var secrets = compiled.Resources("Microsoft.KeyVault/vaults/secrets").ToList();
        Assert.Equal(["auth-signing-key", "cloudinary-url"], secrets.Select(compiled.LeafName).Order());
        Assert.Contains(secrets, s => s.GetProperty("condition").GetString() == "[not(empty(parameters('cloudinaryUrl')))]");
        Assert.Contains(secrets, s => s.GetProperty("condition").GetString()!.Contains("not(empty(parameters('authSigningKey')))", StringComparison.Ordinal));

        foreach (var secret in new[] { "cloudinaryUrl", "authSigningKey" })
        {
            Assert.Equal("securestring", compiled.Template.GetProperty("parameters").GetProperty(secret).GetProperty("type").GetString());
            Assert.DoesNotContain(settings.Values, v => v.Contains($"parameters('{secret}')", StringComparison.Ordinal));
        }

        Assert.Contains("Microsoft.KeyVault/vaults", secretsUser.GetProperty("scope").GetString());
        Assert.Equal("4633458b-17de-408a-b874-0445c86b69e6", compiled.Template.GetProperty("variables").GetProperty("roles").GetProperty("keyVaultSecretsUser").GetString());
    }

    [Fact]
    public void PostgreSQL_signs_in_with_microsoft_entra_only_and_no_app_setting_holds_a_database_password()
    {
        var server = compiled.Resource("Microsoft.DBforPostgreSQL/flexibleServers").GetProperty("properties");
        var admin = compiled.Resource("Microsoft.DBforPostgreSQL/flexibleServers/administrators");
        var settings = AppSettings();
        var parameters = compiled.Template.GetProperty("parameters").EnumerateObject().Select(p => p.Name).ToList();

        Assert.Equal("Disabled", server.GetProperty("authConfig").GetProperty("passwordAuth").GetString());
        Assert.Equal("Enabled", server.GetProperty("authConfig").GetProperty("activeDirectoryAuth").GetString());
        Assert.False(server.TryGetProperty("administratorLoginPassword", out _));
        Assert.Contains("parameters('postgresEntraAdminObjectId')", admin.GetProperty("name").GetString());
        Assert.Equal("[parameters('postgresEntraAdminName')]", admin.GetProperty("properties").GetProperty("principalName").GetString());
        Assert.Equal("Entra", settings["Database__Authentication"]);
        Assert.Equal("false", settings["Database__MigrateOnStart"]);
        Assert.Contains("Username=", settings["ConnectionStrings__Postgres"]);
        Assert.All(settings, s => Assert.DoesNotContain("password", s.Value, StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(parameters, p => p.Contains("password", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(compiled.Resources("Microsoft.KeyVault/vaults/secrets").Select(compiled.LeafName), n => n.Contains("postgres", StringComparison.Ordinal));
    }

    [Fact]
    public void App_settings_give_every_setting_the_app_validates_at_start_and_the_frontend_origins()
    {
        var settings = AppSettings();

        foreach (var name in new[] { "ConnectionStrings__Postgres", "CLOUDINARY_URL", "Auth__Audience", "Auth__Authority", "Auth__Issuer", "APPLICATIONINSIGHTS_CONNECTION_STRING" })
        {
            Assert.Contains(name, settings.Keys);
        }

        Assert.Equal("[join(parameters('frontendOrigins'), ',')]", settings["Cors__AllowedOrigins"]);
        Assert.Equal("array", compiled.Template.GetProperty("parameters").GetProperty("frontendOrigins").GetProperty("type").GetString());
    }

    [Fact]
    public void Alerts_watch_the_poison_queue_failed_and_stuck_images_and_the_cleanup_timer()
    {
        var alerts = compiled.Template.GetProperty("variables").GetProperty("alerts").EnumerateArray().ToList();
        var rule = compiled.Resource("Microsoft.Insights/scheduledQueryRules");

        Assert.Equal(["cleanup-not-running", "failed-images", "poison-queue", "stuck-images"], alerts.Select(a => a.GetProperty("name").GetString()).Order());
        Assert.Equal("[length(variables('alerts'))]", rule.GetProperty("copy").GetProperty("count").GetString());
        Assert.Contains(AppDefaults.PoisonQueue, QueryOf(alerts, "poison-queue"));
        Assert.Contains("cld-upload-failure", QueryOf(alerts, "failed-images"));
        Assert.Contains("\"CleanupImages\"", QueryOf(alerts, "cleanup-not-running"));
        Assert.Contains("workspaces", rule.GetProperty("properties").GetProperty("scopes")[0].GetString());
    }

    [Fact]
    public void Outputs_give_the_function_app_url()
    {
        var outputs = compiled.Template.GetProperty("outputs");

        Assert.Contains("defaultHostName", outputs.GetProperty("functionAppUrl").GetProperty("value").GetString());
        Assert.StartsWith("[format('https://{0}'", outputs.GetProperty("functionAppUrl").GetProperty("value").GetString());
    }

    /// <summary>azd finds what an environment deployed by azd-env-name, and where a service of azure.yaml goes by azd-service-name.</summary>
    [Fact]
    public void Every_resource_carries_azd_env_name_and_the_function_app_the_azd_service_name_of_azure_yamls_service()
    {
        var service = Assert.Single(Yaml.ToJsonFile(Path.Combine(TestEnvironment.RepositoryRoot, "azure.yaml"))!["services"]!.AsObject()).Key;
        var topLevel = compiled.Template.GetProperty("resources").EnumerateArray()
            .Where(r => r.GetProperty("type").GetString()!.Count(c => c == '/') == 1 && r.GetProperty("type").GetString() != "Microsoft.Authorization/roleAssignments")
            .ToList();
        var site = compiled.Resource("Microsoft.Web/sites");

        Assert.True(topLevel.Count >= 9, "fewer top-level resources than the template has: " + topLevel.Count);
        Assert.All(topLevel, r => Assert.True(
            r.TryGetProperty("tags", out var tags) && Evaluated(tags).GetProperty("azd-env-name").GetString() == "[parameters('environmentName')]",
            r.GetProperty("type").GetString() + " has no azd-env-name tag"));
        Assert.Equal(service, site.GetProperty("tags").GetProperty("azd-service-name").GetString());
        Assert.Single(compiled.Template.GetProperty("resources").EnumerateArray(), r => r.TryGetProperty("tags", out var t) && Evaluated(t).TryGetProperty("azd-service-name", out _));
        Assert.Equal("string", compiled.Template.GetProperty("parameters").GetProperty("environmentName").GetProperty("type").GetString());
    }

    [Fact]
    public void Outputs_give_what_azd_reads_and_the_bicepparam_takes_azds_environment_name_and_location()
    {
        var outputs = compiled.Template.GetProperty("outputs");

        Assert.Equal("[parameters('location')]", outputs.GetProperty("AZURE_LOCATION").GetProperty("value").GetString());
        Assert.Equal("[tenant().tenantId]", outputs.GetProperty("AZURE_TENANT_ID").GetProperty("value").GetString());
        Assert.Equal("[resourceGroup().name]", outputs.GetProperty("AZURE_RESOURCE_GROUP").GetProperty("value").GetString());
        Assert.Equal("[variables('names').functionApp]", outputs.GetProperty("SERVICE_API_NAME").GetProperty("value").GetString());
        // Resource-group scope: azd deploys into AZURE_RESOURCE_GROUP (a subscription-scoped template would use subscriptionDeploymentTemplate.json).
        Assert.EndsWith("/2019-04-01/deploymentTemplate.json#", compiled.Template.GetProperty("$schema").GetString());
        // bicep.sh compiles main.bicepparam with AZURE_ENV_NAME=placeholder and AZURE_LOCATION=westeurope, as azd would with its .env.
        Assert.Equal("placeholder", compiled.Parameters.GetProperty("environmentName").GetProperty("value").GetString());
        Assert.Equal("westeurope", compiled.Parameters.GetProperty("location").GetProperty("value").GetString());
    }

    /// <summary>A tags object as written, or the object a <c>[variables('tags')]</c> expression names.</summary>
    private JsonElement Evaluated(JsonElement tags) =>
        tags.ValueKind == JsonValueKind.String && tags.GetString() == "[variables('tags')]" ? compiled.Template.GetProperty("variables").GetProperty("tags") : tags;

    private Dictionary<string, string> AppSettings() =>
        compiled.Resource("Microsoft.Web/sites/config").GetProperty("properties").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.GetString()!);

    /// <summary>A query is loaded from infra/queries at build time; in the template it is a variable of its own.</summary>
    private string QueryOf(List<JsonElement> alerts, string name)
    {
        var query = alerts.Single(a => a.GetProperty("name").GetString() == name).GetProperty("query").GetString()!;
        return query.StartsWith("[variables('", StringComparison.Ordinal) ? compiled.Variable(query["[variables('".Length..^"')]".Length]) : query;
    }

    /// <summary>
    /// The app setting that names ProcessImage's queue, from its <c>[QueueTrigger("%Setting:Name%")]</c> (the worker's
    /// functions.metadata carries the same): "Storage:UploadQueue" is the app setting Storage__UploadQueue.
    /// </summary>
    private static string ProcessImageQueueSetting()
    {
        var method = typeof(Checkup.Functions.Functions.ImagePipelineFunctions).GetMethod("ProcessImage")!;
        var trigger = method.GetParameters().Select(p => p.GetCustomAttribute<QueueTriggerAttribute>()).Single(a => a is not null)!;
        Assert.Matches("^%[^%]+%$", trigger.QueueName); // a setting, not a literal queue name
        return trigger.QueueName.Trim('%').Replace(":", "__", StringComparison.Ordinal);
    }
}
